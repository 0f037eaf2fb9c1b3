"""Reference rows (random init, supervised) as backbone files.

A reference config (``configs/reference/``) stands in for a pre-training
run: its ``reference`` dict names the backbone, the weights (a stock
checkpoint, or ``None`` for random initialisation), the normalisation they
expect and the row labels. :func:`export_reference` turns it into the same
backbone-only file that :func:`~lgd_mm.benchmark.extract.extract_backbone`
writes for a distilled checkpoint, so every row of a leaderboard goes
through one code path (``init_cfg=Pretrained`` and the backbone load check).

Random init is *materialised*: the backbone is built and initialised with
its own ``init_weights`` under a fixed seed and saved, so the row is
reproducible and its file loads 100 % like any other. The downstream run
therefore starts from exactly the weights the backbone's initialiser
draws, as an un-pre-trained model would.
"""
import logging
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from lgd_mm.utils.norm_layers import sync_bn_to_bn
from .extract import (EXPORT_FORMAT, extract_backbone, infer_student,
                      save_payload)

__all__ = ['is_reference_config', 'export_reference']

_REQUIRED = ('algorithm', 'backbone', 'prefix')


def is_reference_config(path: str) -> bool:
    """Whether ``path`` is a config file holding a ``reference`` dict."""
    if not str(path).endswith('.py') or not osp.isfile(path):
        return False
    return 'reference' in Config.fromfile(path)


def export_reference(cfg: Union[str, Config],
                     out: Optional[str] = None,
                     seed: int = 0) -> dict:
    """Write (and return) the backbone file of a reference config.

    Args:
        cfg (str | Config): A config with a ``reference`` dict (see
            configs/reference/README.md).
        out (str, optional): Output path; None only returns the payload.
        seed (int): Seed of the random initialisation (``checkpoint=None``).

    Returns:
        dict: ``{'state_dict': {'backbone.*': ...}, 'meta': ...}`` with
        ``algorithm``, ``student``, ``mean``/``std``, ``pretrain`` and
        ``format`` in ``meta``.

    Raises:
        KeyError: The config has no ``reference`` dict or misses a key.
    """
    src = cfg if isinstance(cfg, str) else getattr(cfg, 'filename', '<cfg>')
    if isinstance(cfg, str):
        cfg = Config.fromfile(cfg)
    ref = cfg.get('reference')
    if ref is None:
        raise KeyError(f'{src}: no `reference` dict (see '
                       'configs/reference/README.md)')
    missing = [k for k in _REQUIRED if ref.get(k) is None]
    if missing:
        raise KeyError(f'{src}: reference misses {missing}')
    if ref.get('checkpoint'):
        payload = extract_backbone(ref['checkpoint'], None)
        weights = payload['state_dict']
        if ref['prefix'] != 'backbone.':
            raise ValueError(f'{src}: prefix {ref["prefix"]!r} is not '
                             "supported; stock files use 'backbone.'")
    else:
        from lgd_mm.registry import MODELS
        from mmengine.registry import DefaultScope
        # the student's pre-training backbone (configs/_base_/students),
        # built on one device
        backbone_cfg = sync_bn_to_bn({
            k: v
            for k, v in ref['backbone'].items()
            if k not in ('init_cfg', '_delete_')
        })
        state = torch.random.get_rng_state()
        logger = MMLogger.get_current_instance()
        level = logger.level
        try:
            torch.manual_seed(seed)
            with DefaultScope.overwrite_default_scope('lgd_mm'):
                backbone = MODELS.build(backbone_cfg)
            logger.setLevel(logging.WARNING)  # one line per initialised key
            backbone.init_weights()
        finally:
            logger.setLevel(level)
            torch.random.set_rng_state(state)
        weights = {
            f'backbone.{k}': v.detach().clone()
            for k, v in backbone.state_dict().items()
        }
    epochs = ref.get('pretrain_epochs')
    data = ref.get('pretrain_data')
    meta = dict(
        format=EXPORT_FORMAT,
        algorithm=ref['algorithm'],
        student=ref.get('student'),
        arch=infer_student(weights),
        reference_config=osp.abspath(src) if osp.isfile(src) else src,
        source=ref.get('checkpoint') or f'random init (seed {seed})',
        pretrain=(f'{data} {epochs}e' if data else '-'),
        keep_head=False)
    for key in ('mean', 'std'):
        if ref.get(key) is not None:
            meta[key] = [float(v) for v in ref[key]]
    payload = dict(state_dict=weights, meta=meta)
    if out:
        save_payload(payload, out)
    return payload
