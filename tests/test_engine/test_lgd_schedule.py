"""The configs/lgd schedule reproduces the official per-epoch LR formula."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from lgd_mm.registry import PARAM_SCHEDULERS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(ROOT, 'configs')


def official_lr(epoch, total, peak=0.24):
    """LGD §2: 0.03 + 0.21 e / 5 for e < 5, then 0.24 (1 + cos(pi e/E)) / 2."""
    if epoch < 5:
        return 0.03 + 0.21 * epoch / 5
    return peak * 0.5 * (1 + math.cos(math.pi * epoch / total))


@pytest.mark.parametrize('epochs', [200, 90])
def test_schedule_matches_official_formula(epochs):
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'lgd',
                 f'lgd_r18_clip-rn50_8xb256-amp-coslr-{epochs}e_in1k.py'))
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(0.24)
    param = torch.nn.Parameter(torch.zeros(1))
    optim = OptimWrapper(torch.optim.SGD([param], lr=0.24, momentum=0.9))
    schedulers = [
        PARAM_SCHEDULERS.build(dict(s, optimizer=optim))
        for s in cfg.param_scheduler
    ]
    for epoch in range(epochs):
        lr = optim.param_groups[0]['lr']
        assert lr == pytest.approx(official_lr(epoch, epochs), rel=1e-6), \
            epoch
        for s in schedulers:
            s.step()


def test_epoch_cosine_rejects_iteration_mode():
    optim = OptimWrapper(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))],
                                         lr=0.1))
    with pytest.raises(ValueError, match='by_epoch'):
        PARAM_SCHEDULERS.build(
            dict(type='EpochCosineLR', optimizer=optim, total_epochs=10,
                 by_epoch=False))
