from .build import build_runner
from .prestart import PrestartError, check_runnable
from .resume import find_resumable_checkpoint, is_complete_checkpoint
from .rng_state import capture_rng_state, restore_rng_state
from .smoke import apply_smoke

__all__ = [
    'build_runner', 'capture_rng_state', 'restore_rng_state',
    'find_resumable_checkpoint', 'is_complete_checkpoint', 'apply_smoke',
    'check_runnable', 'PrestartError'
]
