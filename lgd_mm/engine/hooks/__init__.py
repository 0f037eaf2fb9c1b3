from .atomic_checkpoint_hook import AtomicCheckpointHook  # noqa: F401
from .backbone_load_check_hook import BackboneLoadCheckHook
from .bag_neighbors_hook import BagNeighborsHook
from .checkpoint_meta_hook import CheckpointMetaHook
from .data_check_hook import DataCheckHook
from .exact_resume_hook import ExactResumeHook
from .loss_weight_schedule_hook import LossWeightScheduleHook
from .non_finite_guard_hook import NonFiniteGuardHook, NonFiniteLossError

__all__ = ['CheckpointMetaHook', 'BackboneLoadCheckHook']
__all__ += ['BagNeighborsHook', 'LossWeightScheduleHook']
__all__ += [
    'DataCheckHook', 'ExactResumeHook', 'NonFiniteGuardHook',
    'NonFiniteLossError'
]
