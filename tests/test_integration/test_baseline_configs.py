"""The baseline, DWT and reference configs: a row differs from LGD's only
by the method, and the reference rows hold what the benchmark needs."""
import glob
import os.path as osp

import pytest
import torch
import yaml
from mmengine.config import Config

from lgd_mm.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STUDENTS = ('r18', 'mbv2', 'mbv3-l', 'effb0')
RECIPE = '_clip-rn50_8xb256-amp-coslr-200e_in1k.py'


def _load(path):
    return Config.fromfile(osp.join(ROOT, path))


@pytest.mark.parametrize('algo', ['seed', 'bingo', 'disco', 'kd'])
def test_baselines_share_lgds_setting(algo):
    for student in STUDENTS:
        cfg = _load(f'configs/{algo}/{algo}_{student}{RECIPE}')
        lgd = _load(f'configs/lgd/lgd_{student}{RECIPE}')
        assert cfg.model.type.lower() == algo
        for key in ('backbone', 'teacher', 'text_bank'):
            assert cfg.model[key] == lgd.model[key], (student, key)
        assert cfg.model.neck.in_channels == lgd.model.neck.in_channels
        assert cfg.model.neck.out_channels == 1024
        for key in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                    'data_preprocessor', 'val_dataloader'):
            assert cfg[key] == lgd[key], (student, key)
        assert cfg.train_dataloader.batch_size == 256
    assert osp.exists(osp.join(ROOT, f'configs/{algo}/README.md'))
    meta = yaml.safe_load(open(osp.join(ROOT, f'configs/{algo}/metafile.yml')))
    configs = {m['Config'] for m in meta['Models']}
    assert all(osp.exists(osp.join(ROOT, c)) for c in configs)
    assert len(configs) == len(STUDENTS)


def test_disco_views_are_lgds_view():
    disco = _load(f'configs/disco/disco_r18{RECIPE}')
    lgd = _load(f'configs/lgd/lgd_r18{RECIPE}')
    pipeline = disco.train_dataloader.dataset.pipeline
    assert pipeline[1].type == 'MultiView' and pipeline[1].num_views == 2
    assert pipeline[1].transforms == [lgd.train_pipeline[1:-1]]


def test_bingo_bags_and_warm_up():
    cfg = _load(f'configs/bingo/bingo_mbv2{RECIPE}')
    lgd = _load(f'configs/lgd/lgd_mbv2{RECIPE}')
    assert cfg.train_dataloader.dataset.type == 'InstanceBagDataset'
    assert cfg.train_dataloader.dataset.dataset.pipeline == \
        lgd.train_dataloader.dataset.pipeline
    hooks = {h.type: h for h in cfg.custom_hooks}
    assert hooks['BagNeighborsHook'].pipeline == lgd.val_pipeline
    warm = hooks['LossWeightScheduleHook']
    assert (warm.attr, warm.value, warm.end) == ('inter_weight', 0.0, 10)
    assert 'CheckpointMetaHook' in hooks


@pytest.mark.parametrize(
    'path', sorted(glob.glob(osp.join(ROOT, 'configs/reference/*.py'))))
def test_reference_rows(path, tmp_path):
    ref = Config.fromfile(path).reference
    assert {
        'algorithm', 'student', 'checkpoint', 'prefix', 'backbone', 'mean',
        'std'
    } <= set(ref)
    backbone = MODELS.build(dict(ref.backbone))
    if ref.checkpoint is None:  # random init: nothing to load
        assert ref.algorithm == 'Random init'
        assert ref.mean == [122.771, 116.746, 104.094]
        return
    # a stock-layout checkpoint loads through the Pretrained init
    ckpt = tmp_path / 'stock.pth'
    torch.save(
        dict(
            state_dict={
                ref.prefix + k: torch.full_like(v, 0.5)
                for k, v in backbone.state_dict().items()
            }), ckpt)
    fresh = MODELS.build(
        dict(
            ref.backbone,
            init_cfg=dict(
                type='Pretrained', checkpoint=str(ckpt), prefix=ref.prefix)))
    fresh.init_weights()
    assert all(
        torch.all(v == 0.5) for v in fresh.state_dict().values()
        if v.is_floating_point())
    assert ref.mean == [123.675, 116.28, 103.53]


def test_top_configs_are_short():
    for folder in ('seed', 'bingo', 'disco', 'kd', 'dwt', 'reference'):
        for path in glob.glob(osp.join(ROOT, 'configs', folder, '*.py')):
            assert len(open(path).read().splitlines()) <= 45, path
