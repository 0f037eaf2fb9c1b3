"""A real (tiny) LGD pre-training checkpoint for the benchmark runs."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import DefaultScope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LGD_R18 = osp.join(
    ROOT, 'configs/lgd/lgd_r18_clip-rn50_8xb256-amp-coslr-200e_in1k.py')


@pytest.fixture(scope='session')
def lgd_checkpoint(toyworld, tmp_path_factory):
    """LGD (ResNet-18 student, tiny random CLIP teacher) saved the way an
    mmengine runner with CheckpointMetaHook saves it: model state (banks
    included, teacher excluded), ``meta['lgd_mm']``, optimizer and message
    hub."""
    sys.path.insert(0, osp.join(ROOT, 'tests', 'test_integration'))
    from lgd_tiny_options import tiny_lgd_options

    from lgd_mm.registry import MODELS
    work = tmp_path_factory.mktemp('lgd_pretrain')
    cfg = Config.fromfile(LGD_R18)
    cfg.merge_from_dict(tiny_lgd_options(toyworld, work))
    cfg.model.data_preprocessor = cfg.data_preprocessor
    # session fixtures run outside the per-test lgd_mm scope
    with DefaultScope.overwrite_default_scope('lgd_mm'):
        model = MODELS.build(cfg.model)
    model.visual_bank.update(
        torch.nn.functional.normalize(torch.randn(4, 32), dim=1),
        torch.tensor([0, 1, 2, 0]))
    hub = MessageHub.get_instance('lgd_pretrain')
    hub.update_scalar('train/loss', 2.0)
    path = str(work / 'epoch_1.pth')
    torch.save(
        dict(
            meta=dict(epoch=1, iter=3, lgd_mm=model.checkpoint_meta()),
            state_dict=model.state_dict(),
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1).state_dict(),
            message_hub=hub.state_dict()), path)
    return path
