"""``ProjectionNeck``: the former name of the student projector, now an
alias of mmpretrain's ``MoCoV2Neck``."""
import logging

from mmengine.logging import print_log
from mmpretrain.models.necks import MoCoV2Neck

from lgd_mm.registry import MODELS


@MODELS.register_module(name='ProjectionNeck')
def ProjectionNeck(in_channels: int,
                   hid_channels: int,
                   out_channels: int,
                   with_avg_pool: bool = True,
                   dropout: float = 0.0,
                   init_cfg=None) -> MoCoV2Neck:
    """Build mmpretrain's ``MoCoV2Neck`` from a config that still names the
    old ``ProjectionNeck``.

    Every distiller's projector (lgd_method.md §1.5, DisCo's widened one
    included) is ``MoCoV2Neck``: GAP -> Linear -> ReLU -> Linear, keys
    ``neck.mlp.0`` / ``neck.mlp.2``. The old class built the same layers in
    the same order (same initialisation for a seed) under the keys
    ``neck.fc0`` / ``neck.fc1``; :class:`~lgd_mm.models.BaseDistiller`
    renames those when an old checkpoint is loaded.

    Args:
        in_channels (int): Channels of the backbone feature.
        hid_channels (int): Hidden width.
        out_channels (int): Embedding size.
        with_avg_pool (bool): Global-average-pool the feature map.
            Defaults to True.
        dropout (float): Must be 0: the option was never used by a config
            and ``MoCoV2Neck`` has none. Defaults to 0.0.
        init_cfg (dict, optional): Initialization config dict.

    Returns:
        MoCoV2Neck: The projector.
    """
    if dropout:
        raise ValueError(
            f'ProjectionNeck(dropout={dropout}) is no longer supported: the '
            'projector is mmpretrain\'s MoCoV2Neck (no dropout). Use '
            "type='MoCoV2Neck' without dropout.")
    print_log(
        "neck type 'ProjectionNeck' is deprecated; it builds mmpretrain's "
        "MoCoV2Neck (use type='MoCoV2Neck')",
        logger='current',
        level=logging.WARNING)
    return MoCoV2Neck(
        in_channels,
        hid_channels,
        out_channels,
        with_avg_pool=with_avg_pool,
        init_cfg=init_cfg)
