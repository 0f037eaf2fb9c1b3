"""DisCo: distilled contrastive learning (Gao et al., ECCV 2022)."""
from typing import List

import torch
import torch.nn.functional as F
from mmengine.model import ExponentialMovingAverage
from mmpretrain.models.utils import batch_shuffle_ddp, batch_unshuffle_ddp
from mmpretrain.structures import DataSample
from torch import nn

from lgd_mm.registry import MODELS
from ..banks.queue import InstanceQueue
from .base import BaseDistiller


@MODELS.register_module()
class DisCo(BaseDistiller):
    """DisCo: MoCo v2 on the student plus consistency of the student's final
    embedding with the teacher's.

    Per step, with two views ``v1``, ``v2`` of each image (``MultiView``):

    * ``loss_con``: the student's own MoCo v2 InfoNCE (query ``S(v1)``,
      key from the momentum encoder on ``v2``, a queue of past keys), via
      mmpretrain's ``ContrastiveHead``;
    * ``loss_consist``: the ``KDHead`` distance (MSE of the normalised
      embeddings, summed over the dimension) between ``S(v)`` and the frozen
      teacher's ``T(v)`` for both views.

    Only ``loss_consist`` is distillation: ``teacher_loss_weight`` (and so a
    DWT schedule) scales it and leaves ``loss_con`` alone.

    Choices (DisCo §3 and §4, lgd_method.md §6): momentum 0.999 (mmengine's
    ``momentum=0.001``), queue 65,536, temperature 0.2, weights 1 : 1 : 1
    (contrastive : view 1 : view 2); a widened projector (hidden 2048, the
    paper's remedy for the "distilling bottleneck") whose output has the
    teacher's dimension and serves both terms. The MSE is averaged over the
    batch rather than summed, so the weight does not depend on the
    per-GPU batch.

    From a teacher store the ``MultiView`` becomes two distinct replayed
    views per item (``replay_views_cfg``), each with its stored embedding.

    Args:
        distill_head (dict): Consistency head. Defaults to
            ``dict(type='KDHead', distance='mse', normalize=True)``.
        queue_size (int): Length of the key queue. Defaults to 65536.
        momentum (float): mmengine EMA momentum of the key encoder
            (``1 - m`` in MoCo's notation). Defaults to 0.001.
        **kwargs: The arguments of :class:`BaseDistiller`; ``neck`` is a
            ``MoCoV2Neck`` and ``head`` a ``ContrastiveHead`` config.
    """
    num_views = 2
    student_loss_keys = ('loss_con', )

    def __init__(self,
                 distill_head: dict = dict(
                     type='KDHead', distance='mse', normalize=True),
                 queue_size: int = 65536,
                 momentum: float = 0.001,
                 **kwargs):
        super().__init__(**kwargs)
        self.distill_head = MODELS.build(distill_head)
        self.encoder_k = ExponentialMovingAverage(
            nn.Sequential(self.backbone, self.neck), momentum)
        self.queue = InstanceQueue(self.teacher.embed_dim, queue_size)

    def loss(self, inputs, data_samples: List[DataSample]) -> dict:
        view1, view2 = self.views(inputs)
        proj1 = self.student_project(view1)
        proj2 = self.student_project(view2)
        query = F.normalize(proj1, dim=1)
        with torch.no_grad():
            self.encoder_k.update_parameters(
                nn.Sequential(self.backbone, self.neck))
            # shuffled keys: per-GPU BN must not see the batch composition
            shuffled, unshuffle = batch_shuffle_ddp(view2)
            key = F.normalize(self.encoder_k(shuffled)[0].float(), dim=1)
            key = batch_unshuffle_ddp(key, unshuffle)
            target1 = self.teacher_embed(view1, data_samples, view=0)
            target2 = self.teacher_embed(view2, data_samples, view=1)
        loss_con = self.queue_info_nce(query, key)
        loss_consist = self.distill_head.loss(proj1, target1) + \
            self.distill_head.loss(proj2, target2)
        self.queue.enqueue(self.gather(key))
        return dict(loss_con=loss_con, loss_consist=loss_consist)
