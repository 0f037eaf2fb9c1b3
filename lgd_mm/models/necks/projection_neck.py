"""Projection head of the LGD student (§1.5)."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from lgd_mm.registry import MODELS


@MODELS.register_module()
class ProjectionNeck(BaseModule):
    """GAP -> [Dropout] -> Linear -> ReLU -> Linear, without batch norm.

    The student's projector of lgd_method.md §1.5: ``d -> d -> 1024`` with
    ``d`` = 512 (ResNet-18), 1280 (MobileNetV2, EfficientNet-B0) or 960
    (MobileNetV3-L); the original MobileNetV2 puts Dropout(0.2) in front.
    It does not L2-normalise its output (the method head does).

    Args:
        in_channels (int): Channels ``d`` of the backbone feature.
        hid_channels (int): Hidden width (``d`` in §1.5; 2048 for DisCo).
        out_channels (int): Embedding size (1024 with a CLIP RN50 teacher).
        with_avg_pool (bool): Global-average-pool a (B, C, H, W) input. Set
            False when the input is already pooled to (B, C).
            Defaults to True.
        dropout (float): Dropout probability before the first linear layer;
            0 disables it. Defaults to 0.0.
        init_cfg (dict or List[dict], optional): Initialization config dict.
            Defaults to None (PyTorch's default ``nn.Linear`` init, as in
            the original implementation).
    """

    def __init__(self,
                 in_channels: int,
                 hid_channels: int,
                 out_channels: int,
                 with_avg_pool: bool = True,
                 dropout: float = 0.0,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(with_avg_pool, bool):
            raise TypeError('with_avg_pool must be a bool, got '
                            f'{with_avg_pool!r}')
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f'dropout must be in [0, 1), got {dropout}')
        self.in_channels = in_channels
        self.with_avg_pool = with_avg_pool
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1)) if with_avg_pool else None
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None
        self.fc0 = nn.Linear(in_channels, hid_channels)
        self.relu = nn.ReLU(inplace=True)
        self.fc1 = nn.Linear(hid_channels, out_channels)

    def forward(
        self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
    ) -> Tuple[torch.Tensor]:
        """Project the backbone feature.

        Args:
            inputs (torch.Tensor | Sequence[torch.Tensor]): A feature tensor
                or the backbone's tuple of features (the last one is used).
                (B, C, H, W) with ``with_avg_pool``, else (B, C).

        Returns:
            Tuple[torch.Tensor]: One (B, out_channels) tensor.
        """
        x = inputs if isinstance(inputs, torch.Tensor) else inputs[-1]
        if self.with_avg_pool:
            if x.dim() != 4:
                raise ValueError('ProjectionNeck(with_avg_pool=True) expects '
                                 f'(B, C, H, W) features, got {x.dim()}-D; '
                                 'use with_avg_pool=False for pooled inputs')
            x = self.avgpool(x)
        x = x.flatten(1)
        if x.size(1) != self.in_channels:
            raise ValueError(f'expected {self.in_channels} input channels, '
                             f'got {x.size(1)}')
        if self.dropout is not None:
            x = self.dropout(x)
        x = self.fc1(self.relu(self.fc0(x)))
        return (x, )
