"""Teacher-embedding store: the frozen teacher run once over reproducible
views, read back by every distiller (docs/teacher_store.md)."""
from .build import cache_teacher
from .config import (replay_source, replay_views_cfg, split_multi_view,
                     supports_store)
from .keys import (KEY_PARTS, STORE_FORMAT, data_part, inputs_part, store_key,
                   teacher_part, views_part)
from .replay_dataset import ReplayViewDataset
from .store import TeacherStore, TeacherStoreError, read_manifest
from .views import epoch_views, seeded_random, view_seed
from .writer import write_teacher_store

__all__ = [
    'cache_teacher', 'replay_source', 'replay_views_cfg', 'split_multi_view',
    'supports_store', 'KEY_PARTS', 'STORE_FORMAT', 'data_part', 'inputs_part',
    'store_key', 'teacher_part', 'views_part', 'ReplayViewDataset',
    'TeacherStore', 'TeacherStoreError', 'read_manifest', 'epoch_views',
    'seeded_random', 'view_seed', 'write_teacher_store'
]
