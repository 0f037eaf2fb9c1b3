"""NonFiniteGuardHook: a NaN step stops the run after saving the state
before it, or is skipped without moving weights, momentum or banks."""
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from torch import nn

from lgd_mm.engine import NonFiniteGuardHook, NonFiniteLossError
from lgd_mm.registry import HOOKS
from lgd_mm.utils import safe_torch_load
from runner_utils import tiny_config

BAD_ITER = 4  # runner.iter of the poisoned step: iteration 5, epoch 2


@HOOKS.register_module(force=True)
class PoisonTeacherHook(Hook):
    """Makes the teacher return NaN at one iteration and records the state
    right before it and right after it."""
    priority = 'VERY_LOW'

    def __init__(self, at: int):
        self.at = at
        self.before = self.after = None

    @staticmethod
    def _state(runner):
        model = runner.model
        optim = runner.optim_wrapper.optimizer
        momentum = [
            optim.state[p]['momentum_buffer'].clone()
            for g in optim.param_groups for p in g['params']
            if 'momentum_buffer' in optim.state[p]
        ]
        return ({
            k: v.clone()
            for k, v in model.state_dict().items()
        }, momentum)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        teacher = runner.model.teacher
        if runner.iter != self.at:
            teacher.__dict__.pop('forward', None)
            return
        self.before = self._state(runner)
        clean = type(teacher).forward.__get__(teacher)
        teacher.forward = lambda x: torch.full_like(clean(x), float('nan'))

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if runner.iter == self.at:
            self.after = self._state(runner)
            self.outputs = {k: float(v) for k, v in outputs.items()}


def _runner(toyworld, tmp_path, **guard):
    cfg = tiny_config(toyworld, tmp_path / 'work')
    hooks = [h for h in cfg.custom_hooks if h['type'] != 'NonFiniteGuardHook']
    cfg.custom_hooks = hooks + [
        dict(type='NonFiniteGuardHook', **guard),
        dict(type='PoisonTeacherHook', at=BAD_ITER)
    ]
    runner = Runner.from_cfg(cfg)
    poison = [h for h in runner.hooks if isinstance(h, PoisonTeacherHook)][0]
    return runner, poison


def _assert_same_state(a, b):
    (sd_a, mom_a), (sd_b, mom_b) = a, b
    assert sd_a.keys() == sd_b.keys()
    for key in sd_a:
        assert torch.equal(sd_a[key], sd_b[key]), key
    assert len(mom_a) == len(mom_b) > 0
    assert all(torch.equal(x, y) for x, y in zip(mom_a, mom_b))


def test_stop_saves_the_state_before_the_bad_step(toyworld, tmp_path):
    runner, poison = _runner(toyworld, tmp_path)
    with pytest.raises(NonFiniteLossError) as err:
        runner.train()
    msg = str(err.value)
    # the terms and the iteration are named; the VSB got NaN keys (LGKA)
    for term in ('loss_vis', 'loss_tex', 'bank visual_bank.prototypes',
                 'iteration 5 (epoch 2)'):
        assert term in msg, msg
    path = osp.join(runner.work_dir, f'last_good_iter_{BAD_ITER}.pth')
    assert path in msg
    ckpt = safe_torch_load(path)
    assert ckpt['meta']['iter'] == BAD_ITER
    # the saved state is the one before the poisoned step: weights, banks
    # and their flags, optimizer momentum
    momentum = [
        s['momentum_buffer'] for s in ckpt['optimizer']['state'].values()
    ]
    before_sd, before_mom = poison.before
    _assert_same_state((ckpt['state_dict'], momentum), ({
        k: v
        for k, v in before_sd.items() if k in ckpt['state_dict']
    }, before_mom))
    assert ckpt['state_dict']['visual_bank.prototypes'].isfinite().all()
    # --resume picks it up
    with open(osp.join(runner.work_dir, 'last_checkpoint')) as f:
        assert f.read() == path


def test_skip_leaves_weights_momentum_and_banks_untouched(toyworld, tmp_path):
    runner, poison = _runner(toyworld, tmp_path, action='skip')
    runner.train()
    assert runner.iter == 6  # the run went on after the bad step
    _assert_same_state(poison.before, poison.after)
    assert poison.outputs['nonfinite_skips'] == 1.0
    guard = [h for h in runner.hooks if isinstance(h, NonFiniteGuardHook)]
    assert guard[0].num_skips == 1
    # later steps train again
    final = runner.model.state_dict()
    assert any(not torch.equal(final[k], v)
               for k, v in poison.before[0].items() if k.startswith('neck'))


class _BankOnly(nn.Module):

    def __init__(self):
        super().__init__()
        self.register_buffer('queue', torch.zeros(4, 3))
        self.weight = nn.Parameter(torch.ones(2))


def test_bank_term_is_named_and_rolled_back():
    model = _BankOnly()
    guard = NonFiniteGuardHook()

    def compute():
        model.queue[0, 0] = float('inf')  # a bank update gone wrong
        return dict(loss_tex=model.weight.sum())

    with pytest.raises(NonFiniteLossError, match=r'non-finite bank queue'):
        guard.run(model, compute)
    assert torch.equal(model.queue, torch.zeros(4, 3))
    # finite steps pass through untouched
    out = guard.run(model, lambda: dict(loss_tex=model.weight.sum()))
    assert out['loss_tex'].item() == 2.0
    with pytest.raises(ValueError, match='"stop" or "skip"'):
        NonFiniteGuardHook(action='ignore')
