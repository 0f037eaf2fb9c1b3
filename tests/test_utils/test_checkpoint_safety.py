"""Checkpoints written by mmengine load back under torch 2.13, safely."""
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint, load_checkpoint
from torch import nn

import lgd_mm  # noqa: F401  (installs the safe loader)
from lgd_mm.registry import MODELS
from lgd_mm.utils import UnsafeCheckpointError, safe_torch_load


class TinyClassifier(BaseModel):

    def __init__(self):
        super().__init__()
        self.backbone = MODELS.build(
            dict(type='ResNet', depth=18, out_indices=(3, )))
        self.fc = nn.Linear(512, 3)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs) if isinstance(inputs, list) else inputs
        logits = self.fc(self.backbone(x)[-1].mean((2, 3)))
        if mode == 'loss':
            target = torch.as_tensor(data_samples)
            return dict(loss=nn.functional.cross_entropy(logits, target))
        return logits


def _runner(work_dir, max_iters, **kwargs):
    torch.manual_seed(0)
    data = [
        dict(inputs=torch.randn(3, 32, 32), data_samples=i % 3)
        for i in range(8)
    ]
    return Runner(
        model=TinyClassifier(),
        work_dir=str(work_dir),
        default_scope='lgd_mm',
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        param_scheduler=dict(type='MultiStepLR', milestones=[2], by_epoch=False),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        **kwargs)


class _RunsCommand:
    """Unpickling this would run a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def test_runner_checkpoint_resume_round_trip(tmp_path):
    runner = _runner(tmp_path, max_iters=2)
    runner.train()
    ckpt = tmp_path / 'iter_2.pth'
    assert ckpt.exists()
    # the raw file needs more than plain weights: it holds the message hub
    with pytest.raises(pickle.UnpicklingError):
        torch.load(ckpt, weights_only=True)
    saved = safe_torch_load(str(ckpt))
    assert 'HistoryBuffer' in type(
        saved['message_hub']['log_scalars']['train/loss']).__name__

    resumed = _runner(tmp_path, max_iters=4, resume=True)
    resumed.train()
    assert resumed.iter == 4
    # resume restored the optimizer/scheduler state and the logged history
    hub = resumed.message_hub.get_scalar('train/loss')
    assert len(hub.data[0]) == 4
    assert resumed.param_schedulers[0]._global_step == 4
    # explicit path resume (load_from + resume) works the same way
    again = _runner(tmp_path / 'b', max_iters=3, resume=True,
                    load_from=str(ckpt))
    again.train()
    assert again.iter == 3


def test_load_from_and_pretrained_init(tmp_path):
    _runner(tmp_path, max_iters=2).train()
    ckpt = str(tmp_path / 'iter_2.pth')
    trained = safe_torch_load(ckpt)['state_dict']

    # load_from (weights only, no resume)
    runner = _runner(tmp_path / 'c', max_iters=1, load_from=ckpt)
    runner.load_or_resume()
    got = runner.model.state_dict()
    for k in trained:
        torch.testing.assert_close(got[k], trained[k])

    # init_cfg=Pretrained with a prefix, as downstream configs do
    backbone = MODELS.build(
        dict(
            type='ResNet',
            depth=18,
            init_cfg=dict(type='Pretrained', checkpoint=ckpt,
                          prefix='backbone.')))
    backbone.init_weights()
    for k, v in backbone.state_dict().items():
        torch.testing.assert_close(v, trained['backbone.' + k])

    # an extracted weights-only file needs no allow-list at all
    extracted = tmp_path / 'backbone.pth'
    torch.save(
        dict(state_dict={
            k: v
            for k, v in trained.items() if k.startswith('backbone.')
        }), extracted)
    plain = torch.load(extracted, weights_only=True)
    assert set(plain['state_dict']) == {
        k
        for k in trained if k.startswith('backbone.')
    }
    sd = _load_checkpoint(str(extracted))['state_dict']
    assert len(sd) == len(plain['state_dict'])


def test_crafted_checkpoint_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, meta=_RunsCommand(marker)), evil)
    with pytest.raises(UnsafeCheckpointError) as err:
        load_checkpoint(nn.Linear(2, 2), str(evil))
    assert str(evil) in str(err.value)
    assert 'system' in str(err.value)  # names the refused global
    assert not marker.exists()

    # the same file through a Runner resume
    runner = _runner(tmp_path / 'r', max_iters=1, resume=True,
                     load_from=str(evil))
    with pytest.raises(UnsafeCheckpointError):
        runner.train()
    assert not marker.exists()


class _GetattrAttack:
    """getattr on an allow-listed class to reach a file-writing method."""

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


def test_getattr_is_restricted(tmp_path):
    evil = tmp_path / 'evil_getattr.pth'
    torch.save(dict(state_dict={}, x=_GetattrAttack()), evil)
    with pytest.raises(UnsafeCheckpointError, match='getattr'):
        safe_torch_load(str(evil))


def test_missing_file_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        safe_torch_load(osp.join(str(tmp_path), 'nope.pth'))
