"""Every training config of configs/ trains with the always-on reliability
hooks, whatever custom_hooks list it assigns (configs are only loaded)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from lgd_mm.engine import (ALWAYS_ON_HOOKS, ReliableEpochBasedTrainLoop,
                           missing_always_on_hooks)
from lgd_mm.registry import LOOPS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    path for path in glob.glob(
        osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in path.split(osp.sep)
    and osp.relpath(path, ROOT).split(osp.sep)[1] != 'benchmarks')
REQUIRED = {h['type'] for h in ALWAYS_ON_HOOKS}


def training_hooks(cfg: Config) -> set:
    """Type names of the hooks a run of ``cfg`` trains with, besides the
    default hooks: its ``custom_hooks`` plus what its train loop adds."""
    hooks = list(cfg.get('custom_hooks') or [])
    kind = cfg.train_cfg.get('type')
    loop = LOOPS.get(kind) if isinstance(kind, str) else kind
    if isinstance(loop, type) and \
            issubclass(loop, ReliableEpochBasedTrainLoop):
        hooks += missing_always_on_hooks(hooks)
    return {h['type'].split('.')[-1] for h in hooks}


def test_every_pre_training_family_is_covered():
    families = {osp.relpath(p, ROOT).split(osp.sep)[1] for p in CONFIGS}
    assert {
        'lgd', 'seed', 'bingo', 'disco', 'kd', 'dwt', 'reference', 'toyworld'
    } <= families


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_always_on_hooks_are_present(path):
    cfg = Config.fromfile(path)
    if cfg.get('train_cfg') is None:
        # a reference row (configs/reference): a record, nothing is trained
        assert 'reference' in cfg and 'model' not in cfg, path
        return
    missing = REQUIRED - training_hooks(cfg)
    assert not missing, (
        f'{osp.relpath(path, ROOT)} trains without {sorted(missing)}: use '
        "train_cfg.type='ReliableEpochBasedTrainLoop' (it adds them) or "
        'list them in custom_hooks')


def test_a_replaced_custom_hooks_list_keeps_them():
    # BINGO assigns its own list (no ExactResumeHook, NonFiniteGuardHook,
    # DataCheckHook); the loop of its schedule adds them by type
    path = osp.join(
        ROOT, 'configs/bingo/'
        'bingo_r18_clip-rn50_8xb256-amp-coslr-200e_in1k.py')
    cfg = Config.fromfile(path)
    listed = {h['type'] for h in cfg.custom_hooks}
    assert 'ExactResumeHook' not in listed
    assert REQUIRED <= training_hooks(cfg)
    assert LOOPS.get(cfg.train_cfg.type) is ReliableEpochBasedTrainLoop
