"""``BatchNormLinearClsHead``: a linear-probe head that standardises its
input features first."""
from typing import Tuple

import torch
from mmpretrain.models.heads import LinearClsHead
from torch import nn

from lgd_mm.registry import MODELS


@MODELS.register_module()
class BatchNormLinearClsHead(LinearClsHead):
    """mmpretrain's ``LinearClsHead`` behind a BatchNorm without affine
    parameters (MAE's linear-probe normalisation).

    A frozen backbone's pooled features have a scale set by its
    pre-training method, so a fixed probe learning rate suits some rows and
    not others. Standardising each feature over the batch (running
    statistics at test time; no learned affine, so the probe stays linear
    in the features) makes the probe's step size independent of that
    scale. Placed in the head, not a neck, so that a config fragment can
    switch any student's linear-probe config to it: the head already knows
    ``in_channels``. Used by the ToyWorld linear probe (docs/toyworld.md).

    Args:
        num_classes (int): Number of categories.
        in_channels (int): Channels of the pooled feature.
        eps (float): BatchNorm epsilon. Defaults to 1e-6 (as MAE).
        **kwargs: The other arguments of ``LinearClsHead`` (``loss``,
            ``topk``, ``init_cfg``, ...).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 eps: float = 1e-6,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.bn = nn.BatchNorm1d(in_channels, affine=False, eps=eps)

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Standardise the last pooled feature."""
        return self.bn(feats[-1])
