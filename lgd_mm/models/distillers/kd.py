"""Plain feature distillation, the simplest leaderboard row."""
from typing import List

from mmpretrain.structures import DataSample

from lgd_mm.registry import MODELS
from .base import BaseDistiller


@MODELS.register_module()
class KD(BaseDistiller):
    """Feature distillation: the student's projection regresses the frozen
    teacher's embedding of the same view.

    No queue, no bank, no relations: :class:`~lgd_mm.models.KDHead` computes
    ``1 - cos`` (default) or the squared distance between the student
    projection and ``z_T``. It shows what the relational objectives (SEED,
    BINGO, LGD) add on top of matching the embedding itself.

    Takes the arguments of :class:`BaseDistiller`; ``head`` is a ``KDHead``
    config.
    """

    def loss(self, inputs, data_samples: List[DataSample]) -> dict:
        images = self.single_view(inputs)
        z_t = self.teacher_embed(images, data_samples)
        return dict(loss_kd=self.head.loss(self.student_project(images), z_t))
