"""BINGO: bag of instances aggregation (Xu et al., ICLR 2022)."""
from typing import List

from mmpretrain.structures import DataSample

from lgd_mm.registry import MODELS
from ..banks.neighbor_bags import NeighborBags
from ..banks.queue import InstanceQueue
from .base import BaseDistiller


@MODELS.register_module()
class BINGO(BaseDistiller):
    """BINGO: the student pulls every member of an image's bag towards the
    teacher embedding of that image (the anchor).

    Bags come from a pre-pass (``BagNeighborsHook``): the ``k`` nearest
    teacher-space neighbours of every training image, stored in
    :attr:`bags` so checkpoints carry them. The dataset
    (``InstanceBagDataset``) yields two views per item: the anchor and one
    neighbour sampled from its bag.

    The loss is the paper's bag-aggregation objective (BINGO §3)
    with the bag sampled one member per step, as in the official code:
    InfoNCE against a queue of teacher embeddings with the *anchor's*
    teacher embedding as the positive, for

    * the anchor itself (intra-sample distillation, ``loss_intra``), and
    * the sampled neighbour (inter-sample distillation, ``loss_inter``).

    Choices (lgd_method.md §6): temperature 0.2 and queue 65,536 (the
    official settings); weights 0.5 / 0.5 (the official ``lam``), with the
    neighbour term off for the first 10 epochs through a
    ``LossWeightScheduleHook`` in the configs. Left out: the official code's
    symmetric term (neighbour view against its own teacher key) and its
    anchor/neighbour CutMix, which are not part of the paper's objective.
    Teacher and student see the same view, as in every lgd_mm row.

    From a teacher store (``tools/train.py --teacher-store``) the anchor is a
    replayed view with its stored embedding, and the bags are the ones
    ``tools/cache_teacher.py`` computed with the online teacher for this
    config (``<store>/bingo_knn``).

    Args:
        queue_size (int): Queue length. Defaults to 65536.
        num_neighbors (int): Bag size ``k`` without the anchor.
            Defaults to 5.
        intra_weight (float): Weight of ``loss_intra``. Defaults to 0.5.
        inter_weight (float): Weight of ``loss_inter``. Defaults to 0.5.
        **kwargs: The arguments of :class:`BaseDistiller`; ``head`` is a
            ``ContrastiveHead`` config (InfoNCE, temperature).
    """
    num_views = 2  # anchor, sampled neighbour
    # bag size when the config sets none (also read by the store writer)
    default_num_neighbors = 5

    def __init__(self,
                 queue_size: int = 65536,
                 num_neighbors: int = default_num_neighbors,
                 intra_weight: float = 0.5,
                 inter_weight: float = 0.5,
                 **kwargs):
        super().__init__(**kwargs)
        self.queue = InstanceQueue(self.teacher.embed_dim, queue_size)
        self.bags = NeighborBags(num_neighbors)
        self.intra_weight = float(intra_weight)
        self.inter_weight = float(inter_weight)

    def loss(self, inputs, data_samples: List[DataSample]) -> dict:
        anchor, neighbor = self.views(inputs)
        # the teacher embeds the anchor only (a store holds its view)
        z_t = self.teacher_embed(anchor, data_samples)
        loss_intra = self.queue_info_nce(self.student_embed(anchor), z_t)
        loss_inter = self.queue_info_nce(self.student_embed(neighbor), z_t)
        self.queue.enqueue(self.gather(z_t))
        return dict(
            loss_intra=self.intra_weight * loss_intra,
            loss_inter=self.inter_weight * loss_inter)
