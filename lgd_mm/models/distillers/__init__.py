from .base import BaseDistiller
from .bingo import BINGO
from .disco import DisCo
from .kd import KD
from .lgd import LGD
from .seed import SEED

__all__ = ['BaseDistiller', 'LGD', 'BINGO', 'DisCo', 'KD', 'SEED']
