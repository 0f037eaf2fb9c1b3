"""Per-class loop reference of the LGKA update (lgd_method.md §1.3).

This is the straightforward form of the update the original implementation
used (a Python loop over the classes of the batch, pitfall §5.4). It is kept
only as the ground truth for tests and the speed benchmark of
:class:`~lgd_mm.models.banks.visual_bank.VisualSemanticsBank`; training uses
the vectorised update. It costs ~20-30 us per class present on a CPU core
(a mask over the batch, a gather, a mean and a strided column update per
class). Being functional, it first copies its inputs; the speed benchmark
(tools/benchmark_speed.py) times that copy separately and leaves it out of
the speed-up it reports.
"""
from typing import Tuple

import torch


@torch.no_grad()
def lgka_update_loop(prototypes: torch.Tensor, initialized: torch.Tensor,
                     keys: torch.Tensor, labels: torch.Tensor,
                     momentum: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """Apply one LGKA update with a plain loop over the classes present.

    For every class ``c`` in ``labels``: ``mu_c`` is the plain (not
    normalised) mean of its keys; an uninitialised column is set to ``mu_c``
    and flagged, an initialised one becomes
    ``momentum * V[:, c] + (1 - momentum) * mu_c``. No renormalisation;
    absent classes are untouched (§1.3, steps 3-5).

    Args:
        prototypes (torch.Tensor): Bank ``V`` of shape (D, C).
        initialized (torch.Tensor): Bool flags of shape (C, ).
        keys (torch.Tensor): Teacher embeddings of shape (N, D).
        labels (torch.Tensor): Pseudo-labels of shape (N, ).
        momentum (float): EMA momentum ``m`` (0.999 in §1.3).

    Returns:
        Tuple[torch.Tensor, torch.Tensor]: New fp32 prototypes (D, C) and new
        flags (C, ). The inputs are not modified.
    """
    bank = prototypes.detach().clone().float()
    flags = initialized.detach().clone()
    keys = keys.detach().float()
    for c in torch.unique(labels).tolist():
        mu = keys[labels == c].mean(dim=0)
        if bool(flags[c]):
            bank[:, c] = momentum * bank[:, c] + (1 - momentum) * mu
        else:
            bank[:, c] = mu
            flags[c] = True
    return bank, flags
