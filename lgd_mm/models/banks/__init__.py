from .lgka_reference import lgka_update_loop
from .neighbor_bags import NeighborBags
from .queue import InstanceQueue
from .text_bank import TextualSemanticsBank
from .visual_bank import VisualSemanticsBank

__all__ = [
    'TextualSemanticsBank', 'VisualSemanticsBank', 'lgka_update_loop',
    'InstanceQueue', 'NeighborBags'
]
