"""Norm-layer settings of configs for the devices a run has."""

__all__ = ['sync_bn_to_bn']


def sync_bn_to_bn(cfg):
    """Replace SyncBN norm layers by BN in a (model) config, in place.

    mmengine's non-distributed Runner reverts SyncBN itself, but models
    built directly (scripts, complexity counting) and distributed CPU runs
    (torch's SyncBatchNorm works on GPU modules only) need plain BN.
    Returns ``cfg``.
    """
    if isinstance(cfg, dict):
        if cfg.get('type') in ('SyncBN', 'MMSyncBN'):
            cfg['type'] = 'BN'
        for value in cfg.values():
            sync_bn_to_bn(value)
    elif isinstance(cfg, list):
        for value in cfg:
            sync_bn_to_bn(value)
    return cfg
