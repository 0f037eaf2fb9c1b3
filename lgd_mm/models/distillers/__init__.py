from .base import BaseDistiller, rename_legacy_neck_keys
from .bingo import BINGO
from .disco import DisCo
from .kd import KD
from .lgd import LGD
from .seed import SEED

__all__ = [
    'BaseDistiller', 'LGD', 'BINGO', 'DisCo', 'KD', 'SEED',
    'rename_legacy_neck_keys'
]
