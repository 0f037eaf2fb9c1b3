# Registers mmpretrain's datasets too, so unscoped types resolve via the
# parent registry.
import mmpretrain.datasets  # noqa: F401

from .toyworld import (TOYWORLD_CLASSES, TOYWORLD_PALETTE, TOYWORLD_PRESETS,
                       ToyWorldSegDataset, generate_toyworld)

__all__ = [
    'TOYWORLD_CLASSES', 'TOYWORLD_PALETTE', 'TOYWORLD_PRESETS',
    'ToyWorldSegDataset', 'generate_toyworld'
]
