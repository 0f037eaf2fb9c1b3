"""``tools/train.py --smoke`` on each configs/lgd recipe, and the pre-start
checks that refuse what cannot run here before the model is built."""
import os.path as osp
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config

from lgd_mm.engine.runner import PrestartError, apply_smoke, check_runnable
from lgd_mm.engine.runner.prestart import accelerator_available
from lgd_mm.utils import safe_torch_load

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RECIPES = [
    f'configs/lgd/lgd_{s}_clip-rn50_8xb256-amp-coslr-200e_in1k.py'
    for s in ('r18', 'mbv2', 'mbv3-l', 'effb0')
]


def _data_and_teacher(toyworld, work):
    """Where the data and the (tiny, random) teacher are: what a user
    points a recipe at. Nothing here shortens the recipe."""
    return {
        'model.teacher.model_name': 'lgd-tiny-rn',
        'model.teacher.pretrained': None,
        'model.neck.out_channels': 32,
        'model.text_bank.vocab': f'{toyworld}/classnames.txt',
        'model.text_bank.templates': 'simple',
        'model.text_bank.cache_dir': f'{work}/text_banks',
        'train_dataloader.dataset.data_root': f'{toyworld}/cls',
        'val_dataloader.dataset.data_root': f'{toyworld}/cls',
    }


def _train(config, work, options, *flags):
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir',
        str(work), *flags, '--cfg-options'
    ] + [f'{k}={v}' for k, v in options.items()]
    start = time.time()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, timeout=900)
    return proc, proc.stdout + proc.stderr, time.time() - start


@pytest.mark.parametrize('recipe', RECIPES)
def test_smoke_flag_runs_each_lgd_recipe(recipe, toyworld, tmp_path):
    work = tmp_path / 'work'
    proc, log, _ = _train(
        osp.join(ROOT, recipe), work, _data_and_teacher(toyworld, work),
        '--smoke')
    assert proc.returncode == 0, log[-4000:]
    assert '--smoke: train_cfg: 200 -> 2 epochs' in log
    if not accelerator_available():
        assert '--smoke: optim_wrapper: AmpOptimWrapper -> OptimWrapper' \
            in log
    # 2 epochs x 3 batches, both losses; zero-shot validation ran
    assert log.count('loss_vis:') == 6 and 'zero_shot/top1' in log
    assert 'text bank classnames: built in' in log
    ckpt = safe_torch_load(str(work / 'epoch_2.pth'))
    protocol = ckpt['meta']['lgd_mm']['protocol']
    assert protocol['smoke'] is True and protocol['shortened'] == ['--smoke']
    assert protocol['seed'] == ckpt['meta']['seed']
    assert protocol['overrides']['model.teacher.model_name'] == 'lgd-tiny-rn'
    # the warm-up took the first epoch, the cosine the second
    cfg = Config.fromfile(str(work / osp.basename(recipe)))
    assert [(s.type, s.begin, s.get('end'))
            for s in cfg.param_scheduler] == [('LinearLR', 0, 1),
                                              ('EpochCosineLR', 1, None)]
    assert cfg.param_scheduler[1].total_epochs == 2


def test_without_smoke_every_failure_is_named_before_building(
        toyworld, tmp_path):
    """The three failures of a naive short run, refused at once."""
    work = tmp_path / 'work'
    options = dict(
        _data_and_teacher(toyworld, work), **{
            'train_dataloader.num_workers': 0,
            'train_cfg.max_epochs': 1
        })
    proc, log, seconds = _train(osp.join(ROOT, RECIPES[2]), work, options)
    assert proc.returncode != 0
    assert 'PrestartError: this config cannot train here' in log
    assert 'train_dataloader.num_workers=0 with ' \
        'train_dataloader.persistent_workers=True' in log
    assert 'param_scheduler[1] (EpochCosineLR) begins at epoch 5, but ' \
        'train_cfg.max_epochs=1' in log
    assert 'add --smoke' in log
    if not accelerator_available():
        assert "optim_wrapper.type='AmpOptimWrapper'" in log
        assert 'optim_wrapper.type=OptimWrapper' in log
    # nothing was built: no model, no text bank
    assert 'text bank' not in log and not (work / 'text_banks').exists()
    assert seconds < 60


def test_check_runnable_accepts_the_smoke_config_and_prefetch():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/lgd/lgd_mbv3_in1k.py'))
    cfg.train_dataloader.update(
        num_workers=0, persistent_workers=False, prefetch_factor=4)
    with pytest.raises(PrestartError, match='prefetch_factor=4'):
        check_runnable(cfg)
    changes = apply_smoke(cfg)
    assert any('data loaders' in c for c in changes)
    check_runnable(cfg)  # the smoke config runs here
    loader = cfg.train_dataloader
    assert (loader.batch_size, loader.num_workers,
            loader.dataset.indices) == (4, 0, 12)
    assert 'prefetch_factor' not in loader
    assert cfg.val_dataloader.dataset.indices == 8
    assert cfg.default_hooks.checkpoint.interval == 1
    if torch.cuda.is_available():
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    else:
        assert cfg.optim_wrapper.type == 'OptimWrapper'
        assert 'loss_scale' not in cfg.optim_wrapper


def test_smoke_fits_iteration_loops_and_step_schedules():
    """mmseg's 80k-iteration poly schedule and mmdet's iteration warm-up
    with epoch steps shrink the same way."""
    seg = Config(
        dict(
            train_cfg=dict(
                type='IterBasedTrainLoop', max_iters=80000, val_interval=8000),
            param_scheduler=[
                dict(type='LinearLR', by_epoch=False, begin=0, end=1500),
                dict(type='PolyLR', by_epoch=False, begin=1500, end=80000)
            ],
            default_hooks=dict(
                checkpoint=dict(
                    type='CheckpointHook', by_epoch=False, interval=8000))))
    apply_smoke(seg)
    check_runnable(seg)
    assert seg.train_cfg.max_iters == 6 and seg.train_cfg.val_interval == 3
    assert [(s.begin, s.end) for s in seg.param_scheduler] == [(0, 1), (1, 6)]
    assert seg.default_hooks.checkpoint.interval == 3

    det = Config(
        dict(
            train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=12),
            param_scheduler=[
                dict(type='LinearLR', by_epoch=False, begin=0, end=500),
                dict(
                    type='MultiStepLR',
                    by_epoch=True,
                    begin=0,
                    end=12,
                    milestones=[8, 11])
            ]))
    apply_smoke(det)
    check_runnable(det)
    assert det.train_cfg.max_epochs == 2
    assert (det.param_scheduler[0].begin, det.param_scheduler[0].end) == (0, 6)
    assert det.param_scheduler[1].end == 2
    assert det.param_scheduler[1].milestones == [1, 2]
