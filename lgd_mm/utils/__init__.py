from .checkpoint import (UnsafeCheckpointError, checkpoint_safe_globals,
                         load_trusted_checkpoint,
                         register_safe_checkpoint_loader, safe_torch_load)
from .fileio import (atomic_json_dump, atomic_torch_save, atomic_write,
                     atomic_write_text)
from .load_check import (BackboneLoadError, LoadReport, check_loaded,
                         check_module_loaded, check_normalization,
                         compare_state, find_zoo_weights, read_checkpoint)
from .memory import (InsufficientMemoryError, available_memory, check_memory,
                     format_bytes)
from .setup_env import register_all_modules

__all__ = [
    'UnsafeCheckpointError', 'checkpoint_safe_globals',
    'load_trusted_checkpoint', 'register_safe_checkpoint_loader',
    'safe_torch_load', 'register_all_modules', 'BackboneLoadError',
    'LoadReport', 'check_loaded', 'check_module_loaded', 'check_normalization',
    'compare_state', 'find_zoo_weights', 'read_checkpoint', 'atomic_write',
    'atomic_write_text', 'atomic_json_dump', 'atomic_torch_save',
    'InsufficientMemoryError', 'available_memory', 'check_memory',
    'format_bytes'
]
