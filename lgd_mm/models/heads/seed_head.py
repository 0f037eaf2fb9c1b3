"""SEED head: soft cross-entropy over [self, queue] similarities."""
from typing import List, Optional, Union

import torch
from mmengine.model import BaseModule

from lgd_mm.registry import MODELS
from ..losses import soft_ce  # noqa: F401  (registers the default loss)
from .similarity import bank_logits


@MODELS.register_module()
class SEEDHead(BaseModule):
    """SEED's distillation term (Fang et al., ICLR 2021, §3.2).

    Student logits ``[z_S . z_T, z_S . Q] / tau_s`` against the target
    ``softmax([z_T . z_T, z_T . Q] / tau_t)``, where ``Q`` is the queue of
    past teacher embeddings and the current teacher embedding is the extra
    (self) entry. It is LGD's visual branch with the queue in place of the
    Visual Semantics Bank, so both use :func:`bank_logits` (fp32, queue
    detached and snapshotted before the in-place enqueue).

    Args:
        loss (dict): Soft-target loss. Defaults to
            ``dict(type='SoftCrossEntropyLoss')``.
        student_temp (float): ``tau_s``. Defaults to 0.2 (SEED §4).
        teacher_temp (float): ``tau_t``. SEED's code defaults to 1e-4 for
            its MoCo/SwAV teachers; with a CLIP teacher we use 0.01 as LGD
            does (lgd_method.md §6). Defaults to 0.01.
        init_cfg (dict or List[dict], optional): Initialization config dict.
            Defaults to None.
    """

    def __init__(self,
                 loss: dict = dict(type='SoftCrossEntropyLoss'),
                 student_temp: float = 0.2,
                 teacher_temp: float = 0.01,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, value in dict(
                student_temp=student_temp, teacher_temp=teacher_temp).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f'{name} must be a number, got {value!r}')
        if not student_temp > 0 or not teacher_temp > 0:
            raise ValueError('temperatures must be positive, got '
                             f'{student_temp} and {teacher_temp}')
        self.loss_module = MODELS.build(loss)
        self.student_temp = float(student_temp)
        self.teacher_temp = float(teacher_temp)

    def bank_loss(self,
                  z_s: torch.Tensor,
                  z_t: torch.Tensor,
                  bank: torch.Tensor,
                  self_positive: bool = True) -> torch.Tensor:
        """Soft CE of the student's bank logits against the teacher's.

        ``softmax([z_T . z_T, z_T . bank] / tau_t)`` is the target of
        ``[z_S . z_T, z_S . bank] / tau_s``; without ``self_positive`` the
        first entry is dropped on both sides. Shared by SEED (queue) and
        LGD (visual and text banks).
        """
        with torch.no_grad():
            target = bank_logits(z_t, z_t, bank, self.teacher_temp,
                                 self_positive).softmax(dim=1)
        logits = bank_logits(z_s, z_t, bank, self.student_temp,
                             self_positive)
        return self.loss_module(logits, target)

    def loss(self, z_s: torch.Tensor, z_t: torch.Tensor,
             queue: torch.Tensor) -> torch.Tensor:
        """The soft cross-entropy, averaged over the batch.

        Call it before the queue update: the loss uses the old queue.

        Args:
            z_s (torch.Tensor): L2-normalised student embeddings (B, D).
            z_t (torch.Tensor): L2-normalised teacher embeddings (B, D).
            queue (torch.Tensor): Queue of teacher embeddings (D, K).

        Returns:
            torch.Tensor: fp32 scalar loss.
        """
        return self.bank_loss(z_s, z_t, queue)

    def extra_repr(self) -> str:
        return (f'student_temp={self.student_temp}, '
                f'teacher_temp={self.teacher_temp}')
