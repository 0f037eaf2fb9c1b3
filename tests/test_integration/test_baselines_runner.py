"""SEED, KD, DisCo, BINGO and DWT from their configs through a Runner:
three iterations, finite losses, frozen teacher, state kept on resume."""
import math
import os.path as osp
import shutil
import sys

import pytest
import torch
from mmengine.config import Config

from lgd_mm.registry import MODELS
from lgd_mm.utils import safe_torch_load
from lgd_mm.engine.runner import build_runner

sys.path.insert(0, osp.dirname(__file__))
from baseline_tiny_options import (
    config_path,  # noqa: E402
    tiny_baseline_options)

# buffers and momentum weights each method must carry across a restart
STATE = dict(
    seed=('queue.', ),
    kd=(),
    disco=('queue.', 'encoder_k.'),
    bingo=('queue.', 'bags.'))
LOSSES = dict(
    seed=('loss_seed', ),
    kd=('loss_kd', ),
    disco=('loss_con', 'loss_consist'),
    bingo=('loss_intra', 'loss_inter'))


def _cfg(algo, toyworld, work, **extra):
    cfg = Config.fromfile(config_path(algo))
    cfg.merge_from_dict(tiny_baseline_options(algo, toyworld, work))
    cfg.merge_from_dict(extra)
    cfg.work_dir = str(work)
    return cfg


def _teacher_weights(model):
    inner = getattr(model.teacher, 'clip', None) or model.teacher.model
    return [p.detach().clone() for p in inner.parameters()], inner


@pytest.mark.parametrize('algo', ['seed', 'kd', 'disco', 'bingo'])
def test_three_iters_then_resume(algo, tmp_path, toyworld):
    cfg = _cfg(algo, toyworld, tmp_path / 'work')
    runner = build_runner(cfg)
    before, inner = _teacher_weights(runner.model)
    runner.train()
    assert runner.iter == 3
    hub = runner.message_hub
    for key in ('loss', ) + LOSSES[algo]:
        assert math.isfinite(hub.get_scalar(f'train/{key}').current()), key
    assert 0 <= hub.get_scalar('val/zero_shot/top1').current() <= 100
    # the teacher got no gradient and did not move
    assert all(p.grad is None and not p.requires_grad
               for p in inner.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, inner.parameters()))

    ckpt_path = str(tmp_path / 'work' / 'epoch_1.pth')
    sd = safe_torch_load(ckpt_path)['state_dict']
    assert not any(k.startswith('teacher') for k in sd)
    kept = [k for k in sd if k.startswith(STATE[algo])]
    assert len(kept) >= len(STATE[algo])
    if algo != 'kd':  # the queue was written: global batch 4, 3 steps
        assert int(sd['queue.ptr']) == 12 % cfg.model.queue_size

    cache = tmp_path / 'work' / 'bingo_knn'  # inside the work dir
    if algo == 'bingo':
        assert sd['bags.neighbors'].shape == (12, 5)
        assert len(list(cache.glob('knn-*.pth'))) == 1
        shutil.rmtree(cache)

    resumed = _cfg(algo, toyworld, tmp_path / 'resumed', **{
        'train_cfg.max_epochs': 2,
        'train_cfg.val_interval': 9
    })
    resumed.resume, resumed.load_from = True, ckpt_path
    runner = build_runner(resumed)
    runner.load_or_resume()
    state = runner.model.state_dict()
    for key in kept:
        assert torch.equal(state[key], sd[key]), key
    assert runner.iter == 3 and runner.epoch == 1
    if algo == 'bingo':
        # training goes on with the checkpoint's bags: no new pre-pass
        runner.train()
        assert runner.iter == 6
        assert torch.equal(runner.train_dataloader.dataset.neighbors,
                           sd['bags.neighbors'].long())
        assert not cache.exists()


def test_dwt_weak_teacher_remap_and_decaying_weight(tmp_path, toyworld):
    torch.manual_seed(0)
    weak = torch.nn.Module()
    weak.backbone = MODELS.build(dict(type='ResNet', depth=18))
    ckpt = str(tmp_path / 'r18.pth')
    torch.save(dict(state_dict=weak.state_dict()), ckpt)
    cfg = _cfg(
        'dwt',
        toyworld,
        tmp_path / 'work',
        **{
            'teacher_checkpoint': ckpt,
            'model.teacher.checkpoint': ckpt,
            'model.backbone.init_cfg.checkpoint': ckpt,
            # decay over the 3 iterations: 1.0, 0.5, 0.0
            'custom_hooks.1.by_epoch': False,
            'custom_hooks.1.end': 2,
        })
    runner = build_runner(cfg)
    runner.train()
    model = runner.model
    assert type(model.backbone).__name__ == 'ResNet' and len(
        model.backbone.layer3) == 6
    assert model.backbone.zero_init_residual is False  # set by ParamRemap
    hub = runner.message_hub
    logged = hub.get_scalar('train/teacher_weight').data[0]
    assert logged.tolist() == [1.0, 0.5, 0.0]
    assert model.teacher_loss_weight == 0.0
    # the weight reached the loss: the distillation term is off, MoCo's not
    assert hub.get_scalar('train/loss_consist').current() == 0.0
    assert hub.get_scalar('train/loss_con').current() > 0
    meta = safe_torch_load(str(tmp_path / 'work' /
                               'epoch_1.pth'))['meta']['lgd_mm']
    assert meta['teacher'] == 'ResNet-18' and meta['teacher_weights'] == ckpt
