"""mmengine's DefaultSampler, with the epoch in every item."""
from typing import Iterator, Tuple

from mmengine.dataset import DefaultSampler

from lgd_mm.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class ReplayViewSampler(DefaultSampler):
    """``DefaultSampler`` that yields ``(index, epoch)`` pairs.

    :class:`~lgd_mm.datasets.ReplayViewDataset` picks an image's stored
    view from the epoch. Carrying it in the item, rather than in dataset
    state, keeps it right in persistent loader workers, which keep the
    dataset copy they were started with. Order, sharding and ``set_epoch``
    are DefaultSampler's (the train loop calls ``set_epoch`` each epoch).
    """

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        epoch = self.epoch
        return ((int(i), epoch) for i in super().__iter__())
