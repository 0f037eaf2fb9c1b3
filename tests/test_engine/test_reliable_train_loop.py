"""ReliableEpochBasedTrainLoop: always-on hooks by type, and an exact
mid-epoch resume that loads no skipped sample."""

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import EpochBasedTrainLoop, Runner
from torch import nn
from torch.utils.data import Dataset

from lgd_mm.engine import (ALWAYS_ON_HOOKS, ExactResumeHook,
                           NonFiniteGuardHook, ReliableEpochBasedTrainLoop)

ITERS = 4  # per epoch: 8 samples, batch 2


class _Model(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, inputs, ids, mode='loss'):
        x = torch.stack(inputs).view(-1, 1)
        return dict(loss=self.linear(x).pow(2).mean())


class _Data(Dataset):
    """Each sample is a fresh global-RNG draw, so a resumed run sees the
    same values only with the RNG restored at the right point."""
    metainfo = dict()

    def __init__(self):
        self.loaded = []

    def __len__(self):
        return 2 * ITERS

    def __getitem__(self, i):
        self.loaded.append(i)
        return dict(inputs=torch.rand(()), ids=i)


class _Record(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.seen = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.seen[runner.iter + 1] = (batch_idx, list(data_batch['ids']),
                                      torch.stack(data_batch['inputs']))


def _runner(work_dir, loop=ReliableEpochBasedTrainLoop, hooks=(), **cfg):
    return Runner(
        model=_Model(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_Data(),
            sampler=dict(type='DefaultSampler', shuffle=True, seed=3),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=2,
            num_workers=0),
        train_cfg=dict(type=loop, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=3,
                            by_epoch=False)),
        custom_hooks=list(hooks),
        default_scope='mmengine',  # hooks are added by class, not by name
        randomness=dict(seed=0, deterministic=True),
        log_level='WARNING',
        cfg=Config(cfg))


def _types(runner):
    return [type(h) for h in runner.hooks]


def test_always_on_hooks_are_added_once_by_type(tmp_path):
    runner = _runner(tmp_path / 'a', hooks=[_Record()])
    runner.train()
    names = [t.__name__ for t in _types(runner)]
    for hook in ALWAYS_ON_HOOKS:
        assert names.count(hook['type']) == 1, names
    # a hook the config lists keeps its arguments and is not duplicated
    guard = NonFiniteGuardHook(action='skip')
    runner = _runner(tmp_path / 'b', hooks=[guard])
    runner.train()
    guards = [h for h in runner.hooks if isinstance(h, NonFiniteGuardHook)]
    assert guards == [guard] and guards[0].action == 'skip'
    # mmengine's loop adds nothing
    runner = _runner(tmp_path / 'c', loop=EpochBasedTrainLoop)
    runner.train()
    assert NonFiniteGuardHook not in _types(runner)


def test_mid_epoch_resume_skips_batches_without_loading_them(tmp_path):
    full = _Record()
    ref = _runner(tmp_path / 'ref', hooks=[full])
    ref.train()
    assert sorted(full.seen) == list(range(1, 2 * ITERS + 1))

    resumed = _Record()
    run = _runner(tmp_path / 'run', hooks=[resumed])
    run._load_from = str(tmp_path / 'ref' / 'iter_6.pth')  # epoch 2, batch 2
    run._resume = True
    data = run.train_dataloader.dataset
    run.train()
    assert sorted(resumed.seen) == [7, 8]
    for it in (7, 8):
        idx, ids, values = resumed.seen[it]
        ref_idx, ref_ids, ref_values = full.seen[it]
        # the true position in the epoch, the same samples and the same
        # random draws (RNG restored right before batch 3 is loaded)
        assert (idx, ids) == (ref_idx, ref_ids) and idx == it - ITERS - 1
        assert torch.equal(values, ref_values)
    # only the samples of the remaining batches were read
    assert sorted(data.loaded) == sorted(full.seen[7][1] + full.seen[8][1])
    # the loader of the run is untouched
    assert run.train_loop.dataloader.batch_sampler.__class__.__name__ == \
        'BatchSampler'


def test_plain_loop_restarts_the_epoch(tmp_path):
    _runner(tmp_path / 'ref').train()
    resumed = _Record()
    run = _runner(
        tmp_path / 'run',
        loop=EpochBasedTrainLoop,
        hooks=[ExactResumeHook(), resumed])
    run._load_from = str(tmp_path / 'ref' / 'iter_6.pth')
    run._resume = True
    run.train()
    assert resumed.seen[7][0] == 0  # epoch 2 from its first batch


def test_fast_forward_checks_the_position(tmp_path):
    runner = _runner(tmp_path)
    loop = runner.build_train_loop(runner._train_loop)
    with pytest.raises(ValueError, match='cannot skip 5 of the 4'):
        loop.fast_forward(5)
    loop.fast_forward(ITERS)  # a checkpoint at the last batch of an epoch
