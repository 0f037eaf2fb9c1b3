"""Batches made of groups that hold one sample of every class."""
from typing import Iterator, Optional

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from lgd_mm.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class ClassDisjointSampler(Sampler):
    """Shuffled order of consecutive groups with one sample per class.

    Contrastive image-text training on a few classes (ToyWorld's 16) has
    false negatives in random batches: a batch of 64 holds ~4 images per
    class whose captions all name it. With this order, every run of
    ``num_classes`` indices is class-disjoint, so a model contrasting
    within such groups (``ContrastiveCLIP(contrast_group_size=C)``) has
    none. Each epoch, every class gets a fresh random draw of
    ``min_count`` of its samples (the surplus of larger classes changes
    from epoch to epoch) and the groups are shuffled; the order depends on
    ``seed + epoch`` only, like mmengine's ``DefaultSampler``. Groups are
    split over ranks (each gets whole groups); with a batch size that is a
    multiple of the number of classes and ``drop_last=True``, every batch
    is made of whole groups.

    Args:
        dataset (Dataset): A labelled data set with ``get_gt_labels()``.
        seed (int, optional): Shuffle seed; None draws one shared by all
            ranks.
    """

    def __init__(self, dataset, seed: Optional[int] = None):
        self.dataset = dataset
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        labels = np.asarray(dataset.get_gt_labels(), dtype=np.int64)
        if labels.size == 0:
            raise ValueError('ClassDisjointSampler got an empty data set')
        self.num_classes = int(labels.max()) + 1
        self.per_class = [
            torch.from_numpy(np.flatnonzero(labels == c))
            for c in range(self.num_classes)
        ]
        self.groups = min(len(idx) for idx in self.per_class)
        if self.groups == 0:
            missing = [
                c for c, idx in enumerate(self.per_class) if len(idx) == 0
            ]
            raise ValueError(f'class-disjoint groups need every class; '
                             f'classes {missing} have no sample')
        # whole groups per rank; the few left over are dropped each epoch
        self.groups_per_rank = self.groups // self.world_size
        if self.groups_per_rank == 0:
            raise ValueError(f'{self.groups} class-disjoint groups cannot be '
                             f'split over {self.world_size} ranks')

    def __iter__(self) -> Iterator[int]:
        g = torch.Generator()
        g.manual_seed(self.seed + self.epoch)
        groups = torch.stack([
            idx[torch.randperm(len(idx), generator=g)[:self.groups]]
            for idx in self.per_class
        ], 1)
        groups = groups[torch.randperm(self.groups, generator=g)]
        mine = groups[self.rank:self.groups_per_rank *
                      self.world_size:self.world_size]
        return iter(mine.flatten().tolist())

    def __len__(self) -> int:
        return self.groups_per_rank * self.num_classes

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (called by ``DistSamplerSeedHook``)."""
        self.epoch = epoch
