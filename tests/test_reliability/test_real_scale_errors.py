"""Errors met on the way to a cluster job come early and say what to do
(issue: the real-scale path)."""
import os
import time

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config
from torch import nn

from lgd_mm.engine.runner.build import init_cpu_distributed
from lgd_mm.models.teachers.factory import create_clip_model
from lgd_mm.utils.load_check import BackboneLoadError, check_loaded


def test_offline_tag_fails_fast_with_the_setting_to_use(monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    monkeypatch.setenv('HOME', '/nonexistent-home')  # no ~/.cache/clip
    start = time.time()
    with pytest.raises(FileNotFoundError) as err:
        create_clip_model('RN50-quickgelu', pretrained='openai')
    assert time.time() - start < 5
    assert 'model.teacher.pretrained=/path/to/weights' in str(err.value)


def test_missing_projector_names_the_export_flag():
    neck = nn.Sequential(nn.Linear(4, 4))
    with pytest.raises(BackboneLoadError, match='--keep-head'):
        check_loaded(neck, {'backbone.w': torch.zeros(1)}, 'neck.', 'neck')


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path')
def test_cpu_distributed_picks_gloo_and_bn(monkeypatch):
    for key, value in dict(MASTER_ADDR='127.0.0.1', MASTER_PORT='29561',
                           RANK='0', WORLD_SIZE='1', LOCAL_RANK='0').items():
        monkeypatch.setenv(key, value)
    cfg = Config(
        dict(
            launcher='pytorch',
            env_cfg=dict(dist_cfg=dict(backend='nccl')),
            model=dict(
                type='LGD',
                backbone=dict(type='ResNet', norm_cfg=dict(type='SyncBN')))))
    try:
        init_cpu_distributed(cfg)
        assert dist.is_initialized() and dist.get_backend() == 'gloo'
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    assert cfg.model.backbone.norm_cfg.type == 'BN'
    assert cfg.model_wrapper_cfg.device_ids is None
    assert os.environ['WORLD_SIZE'] == '1'
