# Registers mmpretrain's datasets too, so unscoped types resolve via the
# parent registry.
import mmpretrain.datasets  # noqa: F401

from .toyworld import (TOYWORLD_CLASSES, TOYWORLD_PALETTE, TOYWORLD_PRESETS,
                       ToyWorldSegDataset, generate_toyworld)

__all__ = [
    'TOYWORLD_CLASSES', 'TOYWORLD_PALETTE', 'TOYWORLD_PRESETS',
    'ToyWorldSegDataset', 'generate_toyworld'
]

# BINGO's kNN pre-pass and bag dataset
from .bingo_neighbors import (bag_cache_key, embed_dataset,  # noqa: E402
                              knn_topk)
from .instance_bag_dataset import InstanceBagDataset  # noqa: E402

__all__ += [
    'InstanceBagDataset', 'bag_cache_key', 'embed_dataset', 'knn_topk'
]
