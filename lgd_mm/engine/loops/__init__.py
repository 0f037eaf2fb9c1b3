from .always_on import ALWAYS_ON_HOOKS, missing_always_on_hooks
from .reliable_train_loop import ReliableEpochBasedTrainLoop

__all__ = [
    'ALWAYS_ON_HOOKS', 'missing_always_on_hooks', 'ReliableEpochBasedTrainLoop'
]
