# Registers mmpretrain's datasets too, so unscoped types resolve via the
# parent registry.
import mmpretrain.datasets  # noqa: F401

from .toyworld import (TOYWORLD_CLASSES, TOYWORLD_PALETTE, TOYWORLD_PRESETS,
                       ToyWorldCaptionDataset, ToyWorldSegDataset,
                       generate_toyworld)

__all__ = [
    'TOYWORLD_CLASSES', 'TOYWORLD_PALETTE', 'TOYWORLD_PRESETS',
    'ToyWorldCaptionDataset', 'ToyWorldSegDataset', 'generate_toyworld'
]

# BINGO's kNN pre-pass and bag dataset
from .bingo_neighbors import (bag_cache_key, embed_dataset,  # noqa: E402
                              knn_topk)
from .instance_bag_dataset import InstanceBagDataset  # noqa: E402

__all__ += [
    'InstanceBagDataset', 'bag_cache_key', 'embed_dataset', 'knn_topk'
]

# Input checks run before training / benchmarks (docs/reliability.md)
from .coco_check import (CocoAnnotationError, check_coco_json,  # noqa: E402
                         check_config_coco)
from .data_root_check import check_data_roots  # noqa: E402
from .seg_check import (SegLabelError, check_config_seg,  # noqa: E402
                        check_seg_dataset)
from .transforms import BadImageError, CheckedLoadImageFromFile  # noqa: E402

__all__ += [
    'CocoAnnotationError', 'check_coco_json', 'check_config_coco',
    'check_data_roots', 'SegLabelError', 'check_config_seg',
    'check_seg_dataset', 'BadImageError', 'CheckedLoadImageFromFile'
]

# Contrastive image-text training (the toy CLIP teacher)
from .samplers import ClassDisjointSampler  # noqa: E402
from .transforms.class_prompt import RandomClassPrompt  # noqa: E402

__all__ += ['ClassDisjointSampler', 'RandomClassPrompt']

# Teacher-embedding store (tools/cache_teacher.py, StoredTeacher)
from .samplers import ReplayViewSampler  # noqa: E402
from .teacher_store import (ReplayViewDataset, TeacherStore,  # noqa: E402
                            TeacherStoreError)

__all__ += [
    'ReplayViewSampler', 'ReplayViewDataset', 'TeacherStore',
    'TeacherStoreError'
]
