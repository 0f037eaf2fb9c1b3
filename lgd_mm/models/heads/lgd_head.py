"""LGD head: visual and textual soft-CE distillation terms (§1.4)."""
from typing import Dict, List, Optional, Union

import torch

from lgd_mm.registry import MODELS
from .seed_head import SEEDHead
from .similarity import zero_shot_labels


@MODELS.register_module()
class LGDHead(SEEDHead):
    """Turn (z_S, z_T, V, L) into LGD's two loss terms (lgd_method.md §1.4).

    - ``L_VIS``: student ``[z_S . z_T, z_S . V] / tau_s`` against
      ``softmax([z_T . z_T, z_T . V] / tau_t)`` (C + 1 entries, self positive
      at index 0; C entries without it).
    - ``L_TEX``: student ``z_S . L / tau_s`` against
      ``softmax(z_T . L / tau_t)`` (C entries).

    Each term is :meth:`SEEDHead.bank_loss` (LGD's visual branch is SEED
    with the queue replaced by V). Logits and softmax are fp32 even under
    AMP; the teacher embeddings and both banks are detached.

    Args:
        loss (dict): Config of the soft-target loss.
            Defaults to ``dict(type='SoftCrossEntropyLoss')``.
        student_temp (float): Student temperature ``tau_s``.
            Defaults to 0.2 (§1.4).
        teacher_temp (float): Teacher temperature ``tau_t``.
            Defaults to 0.01 (§1.4, §5.8).
        vis_weight (float): Weight of ``L_VIS`` (alpha). Defaults to 0.5
            (§1.4).
        tex_weight (float): Weight of ``L_TEX`` (1 - alpha). Defaults to 0.5
            (§1.4).
        use_self_positive (bool): Keep the self-positive entry in ``L_VIS``.
            Defaults to True (§1.4; the paper figure omits it).
        init_cfg (dict or List[dict], optional): Initialization config dict.
            Defaults to None.
    """

    def __init__(self,
                 loss: dict = dict(type='SoftCrossEntropyLoss'),
                 student_temp: float = 0.2,
                 teacher_temp: float = 0.01,
                 vis_weight: float = 0.5,
                 tex_weight: float = 0.5,
                 use_self_positive: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        if not isinstance(use_self_positive, bool):
            raise TypeError('use_self_positive must be a bool, got '
                            f'{use_self_positive!r}')
        for name, value in dict(
                vis_weight=vis_weight, tex_weight=tex_weight).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f'{name} must be a number, got {value!r}')
        super().__init__(
            loss=loss,
            student_temp=student_temp,
            teacher_temp=teacher_temp,
            init_cfg=init_cfg)
        self.vis_weight = float(vis_weight)
        self.tex_weight = float(tex_weight)
        self.use_self_positive = use_self_positive

    def loss(self, z_s: torch.Tensor, z_t: torch.Tensor,
             visual_bank: torch.Tensor,
             text_bank: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Compute the weighted visual and textual losses.

        Call it before the LGKA update of ``visual_bank`` (the loss uses the
        old bank); the update may then run before ``backward``.

        Args:
            z_s (torch.Tensor): L2-normalised student embeddings (B, D).
            z_t (torch.Tensor): L2-normalised teacher embeddings (B, D).
            visual_bank (torch.Tensor): Visual Semantics Bank ``V`` (D, C).
            text_bank (torch.Tensor): Textual Semantics Bank ``L`` (D, C).

        Returns:
            Dict[str, torch.Tensor]: ``loss_vis`` (``vis_weight * L_VIS``)
            and ``loss_tex`` (``tex_weight * L_TEX``), fp32 scalars.
        """
        assert z_s.dim() == 2 and z_s.shape == z_t.shape, \
            f'z_s and z_t must both be (B, D), got {tuple(z_s.shape)} ' \
            f'and {tuple(z_t.shape)}'
        dim = z_s.size(1)
        banks = dict(visual_bank=visual_bank, text_bank=text_bank)
        for name, bank in banks.items():
            assert bank.dim() == 2 and bank.size(0) == dim, \
                f'{name} must be (D={dim}, C), got {tuple(bank.shape)}'
        z_t = z_t.detach()
        loss_vis = self.bank_loss(z_s, z_t, visual_bank,
                                  self.use_self_positive)
        loss_tex = self.bank_loss(z_s, z_t, text_bank, self_positive=False)
        return dict(
            loss_vis=self.vis_weight * loss_vis,
            loss_tex=self.tex_weight * loss_tex)

    def teacher_pseudo_labels(self, z_t: torch.Tensor,
                              text_bank: torch.Tensor) -> torch.Tensor:
        """Teacher zero-shot pseudo-labels ``argmax_c(z_T . L)`` (§1.3).

        Used as the class assignment of the LGKA update and to log the
        teacher's zero-shot accuracy.

        Args:
            z_t (torch.Tensor): L2-normalised teacher embeddings (N, D).
            text_bank (torch.Tensor): Textual Semantics Bank ``L`` (D, C).

        Returns:
            torch.Tensor: Long tensor of shape (N, ).
        """
        return zero_shot_labels(z_t, text_bank)

    def extra_repr(self) -> str:
        return (f'student_temp={self.student_temp}, '
                f'teacher_temp={self.teacher_temp}, '
                f'vis_weight={self.vis_weight}, '
                f'tex_weight={self.tex_weight}, '
                f'use_self_positive={self.use_self_positive}')
