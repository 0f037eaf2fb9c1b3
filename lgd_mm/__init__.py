"""lgd_mm: language-guided distillation of lightweight backbones on OpenMMLab.

Importing the package installs the safe checkpoint loader for mmengine
(see :mod:`lgd_mm.utils.checkpoint`); nothing else changes global state.
"""
from .utils.checkpoint import register_safe_checkpoint_loader
from .version import __version__

register_safe_checkpoint_loader()

__all__ = ['__version__']
