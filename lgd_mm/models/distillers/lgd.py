"""Language-Guided Distillation (LGD, arXiv 2406.11689)."""
from typing import List

import torch
from mmpretrain.structures import DataSample

from lgd_mm.registry import MODELS
from ..banks.visual_bank import VisualSemanticsBank
from ..heads.similarity import zero_shot_labels
from .base import BaseDistiller


@MODELS.register_module()
class LGD(BaseDistiller):
    """LGD: distil a student against the teacher's similarity distributions
    over a Textual Semantics Bank (TSB) and a Visual Semantics Bank (VSB).

    Per step (lgd_method.md §1.3-§1.4): ``z_T`` from the frozen teacher,
    ``z_S`` from the student; the head computes L_VIS over [self, VSB] and
    L_TEX over the TSB; then, after the loss has used the old bank, the
    teacher keys of the global batch are pseudo-labelled against the TSB and
    aggregated into the VSB (LGKA). The TSB is built once from the teacher's
    text tower, which is then dropped.

    Logged besides the losses: ``zs_agree`` (fraction of the batch where the
    student's and the teacher's zero-shot labels over the TSB agree) and
    ``vsb_fill`` (fraction of VSB classes filled so far).

    Args:
        text_bank (dict): ``TextualSemanticsBank`` config (vocabulary,
            templates, cache); LGD needs one.
        vsb_momentum (float): EMA momentum of the LGKA update. Defaults to
            0.999 (§1.3).
        **kwargs: The student, projector, head (``LGDHead``: temperatures,
            loss weights) and teacher, as :class:`BaseDistiller` takes them
            (``backbone``, ``neck``, ``head``, ``teacher``,
            ``channels_last``, ``data_preprocessor``, ``init_cfg``).
    """

    def __init__(self,
                 text_bank: dict = dict(type='TextualSemanticsBank'),
                 vsb_momentum: float = 0.999,
                 **kwargs):
        super().__init__(text_bank=text_bank, **kwargs)
        self.visual_bank = VisualSemanticsBank(
            num_classes=self.text_bank.num_classes,
            embed_dim=self.text_bank.embed_dim,
            momentum=vsb_momentum)

    def loss(self, inputs, data_samples: List[DataSample]) -> dict:
        images = self.single_view(inputs)
        z_t = self.teacher_embed(images, data_samples)
        z_s = self.student_embed(images)
        tsb = self.text_bank.bank
        losses = self.head.loss(z_s, z_t, self.visual_bank.bank, tsb)

        with torch.no_grad():
            t_labels = zero_shot_labels(z_t, tsb)
            s_labels = zero_shot_labels(z_s.detach(), tsb)
            losses['zs_agree'] = (s_labels == t_labels).float().mean()
            # LGKA after the loss used the old bank; labels are recomputed
            # from the gathered keys so only one tensor crosses ranks (one
            # process: the keys are z_t, whose labels are known).
            keys = self.gather(z_t)
            labels = t_labels if keys is z_t else zero_shot_labels(keys, tsb)
            self.visual_bank.update(keys, labels)
            losses['vsb_fill'] = self.visual_bank.fill_ratio()
        return losses
