from .build import build_runner
from .resume import find_resumable_checkpoint, is_complete_checkpoint
from .rng_state import capture_rng_state, restore_rng_state

__all__ = [
    'build_runner', 'capture_rng_state', 'restore_rng_state',
    'find_resumable_checkpoint', 'is_complete_checkpoint'
]
