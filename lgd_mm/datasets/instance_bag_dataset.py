"""Dataset wrapper yielding an anchor and a member of its bag (BINGO)."""
import copy
from typing import Optional, Union

import torch
from mmengine.dataset import BaseDataset

from lgd_mm.registry import DATASETS


@DATASETS.register_module()
class InstanceBagDataset:
    """Each item: an image and one neighbour sampled from its bag.

    Wraps a dataset whose pipeline yields one packed view (``inputs``,
    ``data_samples``). Item ``i`` is ``dict(inputs=[anchor, neighbour],
    data_samples=anchor's)``: the anchor view of image ``i`` and a view of
    an image drawn uniformly from ``i``'s neighbours, each through the
    wrapped pipeline. The neighbour table comes from BINGO's kNN pre-pass
    (``BagNeighborsHook`` calls :meth:`set_neighbors` before training);
    the draw uses torch's RNG, which the DataLoader seeds per worker.

    Args:
        dataset (dict | BaseDataset): The wrapped dataset or its config.
        lazy_init (bool): Defer the wrapped dataset's ``full_init``.
            Defaults to False.
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 lazy_init: bool = False):
        if isinstance(dataset, dict):
            dataset = DATASETS.build(copy.deepcopy(dataset))
        self.dataset = dataset
        self.neighbors: Optional[torch.Tensor] = None
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    def set_neighbors(self, neighbors: torch.Tensor) -> None:
        """Use the (N, k) neighbour table ``neighbors``."""
        if neighbors.dim() != 2 or neighbors.size(0) != len(self):
            raise ValueError(
                f'the neighbour table must be ({len(self)}, k) for this '
                f'dataset, got {tuple(neighbors.shape)}; was it computed '
                'for another data list?')
        self.neighbors = neighbors.detach().cpu().long()

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, idx: int) -> dict:
        if self.neighbors is None:
            raise RuntimeError(
                'InstanceBagDataset has no bags yet: add '
                "dict(type='BagNeighborsHook') to custom_hooks so the kNN "
                'pre-pass runs before training')
        # anchor first: under a replayed view's seed (ReplayViewDataset) it
        # is then the very view a teacher store holds
        anchor = self.dataset[idx]
        row = self.neighbors[idx]
        other = int(row[torch.randint(row.numel(), ())])
        neighbor = self.dataset[other]
        return dict(
            inputs=[anchor['inputs'], neighbor['inputs']],
            data_samples=anchor['data_samples'])

    def __repr__(self) -> str:
        bags = 'none' if self.neighbors is None else tuple(
            self.neighbors.shape)
        return (f'{type(self).__name__}(num_images={len(self)}, '
                f'bags={bags},\n  dataset={self.dataset!r})')
