"""Similarity logits shared by the bank-based distillation heads (§1.4, §6).

LGD's visual branch and SEED compute the same "[self positive, bank]" logits
with a student and a teacher temperature; only the bank differs (the Visual
Semantics Bank vs a FIFO queue of teacher embeddings).
"""
from typing import Optional

import torch


# Eager even under torch.compile (mmengine `compile=True`): a compiled graph
# may save the bank itself instead of the snapshot below (the clone is
# cheap to recompute), and the in-place bank update after the loss then
# breaks the backward pass. The logits are a few small matmuls.
@torch.compiler.disable
def bank_logits(z: torch.Tensor,
                z_t: Optional[torch.Tensor],
                bank: torch.Tensor,
                temp: float,
                self_positive: bool = True) -> torch.Tensor:
    """Logits ``[z . z_t, z . bank] / temp`` in fp32 (§1.4).

    Used twice per branch: with ``z = z_S`` and the student temperature for
    the logits, with ``z = z_T`` and the teacher temperature for the target
    (then the self entry is ``z_T . z_T = 1``). ``z_t`` and ``bank`` are
    detached; gradients reach ``z`` only.

    Autocast is disabled and all inputs are cast to fp32. When ``z`` requires
    grad, the bank is snapshotted (cloned) so that the in-place bank or queue
    update that follows the loss does not invalidate the tensor autograd
    saved for the backward pass.

    Args:
        z (torch.Tensor): Query embeddings of shape (B, D).
        z_t (torch.Tensor, optional): Teacher embeddings of shape (B, D) for
            the self-positive entry; may be None if ``self_positive`` is
            False.
        bank (torch.Tensor): Bank of shape (D, K), one entry per column.
        temp (float): Temperature dividing the similarities.
        self_positive (bool): Prepend the self-positive column ``z . z_t`` at
            index 0. Defaults to True.

    Returns:
        torch.Tensor: fp32 logits of shape (B, K + 1), or (B, K) without
        the self positive.
    """
    if z.dim() != 2 or bank.dim() != 2 or z.size(1) != bank.size(0):
        raise ValueError('bank_logits expects z (B, D) and bank (D, K), got '
                         f'{tuple(z.shape)} and {tuple(bank.shape)}')
    bank = bank.detach()
    if z.requires_grad:
        bank = bank.clone()
    with torch.autocast(device_type=z.device.type, enabled=False):
        logits = z.float() @ bank.float()
        if self_positive:
            if z_t is None or z_t.shape != z.shape:
                raise ValueError(
                    'self_positive needs z_t of the same shape as z '
                    f'{tuple(z.shape)}, got '
                    f'{None if z_t is None else tuple(z_t.shape)}')
            pos = (z.float() * z_t.detach().float()).sum(dim=1, keepdim=True)
            logits = torch.cat([pos, logits], dim=1)
        return logits / temp


@torch.no_grad()
def zero_shot_labels(z: torch.Tensor, text_bank: torch.Tensor) -> torch.Tensor:
    """Zero-shot class predictions ``argmax_c(z . L)`` (§1.3 step 2, §3).

    Args:
        z (torch.Tensor): L2-normalised embeddings of shape (B, D).
        text_bank (torch.Tensor): Textual Semantics Bank ``L`` of shape
            (D, C).

    Returns:
        torch.Tensor: Long tensor of shape (B, ).
    """
    if z.dim() != 2 or text_bank.dim() != 2 or \
            z.size(1) != text_bank.size(0):
        raise ValueError('zero_shot_labels expects z (B, D) and text_bank '
                         f'(D, C), got {tuple(z.shape)} and '
                         f'{tuple(text_bank.shape)}')
    with torch.autocast(device_type=z.device.type, enabled=False):
        return (z.float() @ text_bank.float()).argmax(dim=1)
