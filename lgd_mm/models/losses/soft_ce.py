"""Soft cross-entropy between a target distribution and logits (§1.4)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from lgd_mm.registry import MODELS

_REDUCTIONS = ('none', 'mean', 'sum')


def soft_cross_entropy(logits: torch.Tensor,
                       target: torch.Tensor,
                       reduction: str = 'mean') -> torch.Tensor:
    """Soft cross-entropy ``-sum_k p_k * log_softmax(s)_k`` (§1.4).

    Computed in fp32 with autocast disabled. ``target`` is detached: it is a
    fixed distribution (the teacher's), not something to optimise.

    Args:
        logits (torch.Tensor): Student logits ``s`` of shape (B, K).
        target (torch.Tensor): Target probabilities ``p`` of shape (B, K);
            rows are expected to sum to 1 (not checked).
        reduction (str): ``'mean'`` over the batch, ``'sum'`` or ``'none'``
            (per-sample losses of shape (B, )). Defaults to 'mean'.

    Returns:
        torch.Tensor: The fp32 loss.
    """
    if logits.dim() != 2 or logits.shape != target.shape:
        raise ValueError('soft_cross_entropy expects logits and target of the '
                         'same (B, K) shape, got '
                         f'{tuple(logits.shape)} and {tuple(target.shape)}')
    if reduction not in _REDUCTIONS:
        raise ValueError(f'reduction must be one of {_REDUCTIONS}, '
                         f'got {reduction!r}')
    with torch.autocast(device_type=logits.device.type, enabled=False):
        log_prob = F.log_softmax(logits.float(), dim=1)
        loss = -(target.detach().float() * log_prob).sum(dim=1)
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    return loss


@MODELS.register_module()
class SoftCrossEntropyLoss(nn.Module):
    """Soft cross-entropy against a target distribution (§1.4).

    ``loss_b = -sum_k target_bk * log_softmax(logits)_bk``, reduced over the
    batch and times ``loss_weight``, in fp32; the target is a constant.
    Used by LGD's visual and textual branches and by SEED.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        reduction (str): ``'mean'`` (over the batch, §1.4), ``'sum'`` or
            ``'none'``. Defaults to 'mean'.
    """

    def __init__(self, loss_weight: float = 1.0, reduction: str = 'mean'):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f'reduction must be one of {_REDUCTIONS}, '
                             f'got {reduction!r}')
        self.loss_weight = float(loss_weight)
        self.reduction = reduction

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """Compute the weighted soft cross-entropy.

        Args:
            logits (torch.Tensor): Student logits of shape (B, K).
            target (torch.Tensor): Target probabilities of shape (B, K).

        Returns:
            torch.Tensor: The fp32 loss (shape (B, ) for ``'none'``).
        """
        return self.loss_weight * soft_cross_entropy(
            logits, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}, reduction={self.reduction!r}'
