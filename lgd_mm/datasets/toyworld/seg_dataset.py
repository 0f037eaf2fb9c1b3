"""mmseg dataset class for the ToyWorld ADE20K-layout split."""
from mmseg.datasets import ADE20KDataset
from mmseg.registry import DATASETS as MMSEG_DATASETS

from lgd_mm.registry import DATASETS
from .render import TOYWORLD_CLASSES, TOYWORLD_PALETTE


class ToyWorldSegDataset(ADE20KDataset):
    """ToyWorld scenes in the ADE20K layout, with ToyWorld's classes.

    Stock ``ADE20KDataset`` fixes the 150 ADE classes and rejects class
    lists that are not a subset of them, so this subclass only swaps the
    metainfo. Everything else is ADE20K's: ``img_suffix='.jpg'``,
    ``seg_map_suffix='.png'`` and ``reduce_zero_label=True`` (label 0 is
    background and becomes 255 = ignore; class ``c`` is stored as ``c + 1``).

    Registered in mmseg's ``DATASETS`` (for stock mmseg configs with
    ``default_scope='mmseg'``; add
    ``custom_imports=dict(imports=['lgd_mm.datasets'])``) and in lgd_mm's.

    Example:
        >>> ds = ToyWorldSegDataset(
        ...     data_root='data/toyworld/ade',
        ...     data_prefix=dict(img_path='images/training',
        ...                      seg_map_path='annotations/training'))

    Args:
        **kwargs: Passed to :class:`mmseg.datasets.ADE20KDataset`.
    """
    METAINFO = dict(classes=TOYWORLD_CLASSES, palette=TOYWORLD_PALETTE)


# mmengine keeps no back-reference from a class to its registry, so the
# same class can sit in both (built by either scope).
MMSEG_DATASETS.register_module(module=ToyWorldSegDataset)
DATASETS.register_module(module=ToyWorldSegDataset)
