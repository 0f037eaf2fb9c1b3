"""SEED: self-supervised distillation (Fang et al., ICLR 2021)."""
from typing import List

from mmpretrain.structures import DataSample

from lgd_mm.registry import MODELS
from ..banks.queue import InstanceQueue
from .base import BaseDistiller


@MODELS.register_module()
class SEED(BaseDistiller):
    """SEED: the student mimics the teacher's similarity distribution over
    a queue of past teacher embeddings.

    Per step (lgd_method.md §6): teacher and student embed the *same* view;
    :class:`~lgd_mm.models.SEEDHead` takes the soft cross-entropy between
    ``softmax([z_T . z_T, z_T . Q] / tau_t)`` and the student logits
    ``[z_S . z_T, z_S . Q] / tau_s``; then the teacher keys of the global
    batch (gathered across ranks) replace the oldest queue entries.

    Choices where the paper leaves room (documented for the leaderboard):

    * queue of 65,536 random unit vectors at start (SEED §4, as MoCo v2);
      the global batch must divide it;
    * ``tau_s`` = 0.2 (SEED §4); ``tau_t`` = 0.01 with a CLIP teacher, as
      LGD (SEED's code defaults to 1e-4 for its MoCo/SwAV teachers;
      lgd_method.md §6);
    * the same projector as LGD's student (d -> d -> D) so that SEED and
      LGD rows differ only by the objective.

    Args:
        queue_size (int): Queue length ``K``. Defaults to 65536.
        **kwargs: The arguments of :class:`BaseDistiller` (``backbone``,
            ``neck``, ``head`` = a ``SEEDHead`` config, ``teacher``,
            ``text_bank``, ``teacher_loss_weight``, ``data_preprocessor``,
            ``init_cfg``).
    """

    def __init__(self, queue_size: int = 65536, **kwargs):
        super().__init__(**kwargs)
        self.queue = InstanceQueue(self.teacher.embed_dim, queue_size)

    def loss(self, inputs, data_samples: List[DataSample]) -> dict:
        images = self.single_view(inputs)
        z_t = self.teacher_embed(images, data_samples)
        z_s = self.student_embed(images)
        loss = self.head.loss(z_s, z_t, self.queue.bank)
        # after the loss used the old queue, as in SEED's code
        self.queue.enqueue(self.gather(z_t))
        return dict(loss_seed=loss)
