from .backbone_load_check_hook import BackboneLoadCheckHook
from .bag_neighbors_hook import BagNeighborsHook
from .checkpoint_meta_hook import CheckpointMetaHook
from .loss_weight_schedule_hook import LossWeightScheduleHook

__all__ = ['CheckpointMetaHook', 'BackboneLoadCheckHook']
__all__ += ['BagNeighborsHook', 'LossWeightScheduleHook']
