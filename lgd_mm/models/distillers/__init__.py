from .base import BaseDistiller
from .lgd import LGD

__all__ = ['BaseDistiller', 'LGD']
