"""NonFiniteGuardHook without back channels: it wraps the model's loss
forward through PyTorch hooks, and names the likely cause of a bad step."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from lgd_mm.engine import NonFiniteGuardHook, NonFiniteLossError
from lgd_mm.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'test_models', 'test_distillers'))
from tiny_baselines import images, teacher_params, tiny_cfg  # noqa: E402


class _Teacher(nn.Linear):
    pretrained = 'teacher.pt'
    poison_outputs = False

    def forward(self, x):
        out = super().forward(x)
        return out * float('nan') if self.poison_outputs else out


class _Distiller(nn.Module):
    """A student regressing a frozen teacher, plus a bank buffer."""

    def __init__(self):
        super().__init__()
        self.student = nn.Linear(3, 2)
        self.teacher = _Teacher(3, 2).requires_grad_(False)
        self.register_buffer('bank', torch.zeros(2))

    def forward(self, x, mode='loss'):
        if mode != 'loss':
            return self.student(x)
        self.bank += 1
        target = self.teacher(x)
        return dict(loss_kd=(self.student(x) - target).pow(2).mean())


class _Runner:
    iter = epoch = 0

    def __init__(self, model):
        self.model = model
        self.optim_wrapper = OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=0.1))


def test_loss_forward_is_guarded_through_torch_hooks():
    model = _Distiller()
    runner = _Runner(model)
    guard = NonFiniteGuardHook(action='skip')
    guard.before_train(runner)
    assert not hasattr(model, 'nonfinite_guard')  # nothing planted
    x = torch.ones(4, 3)
    assert set(model(x, mode='loss')) == {'loss_kd'}
    assert model.bank.tolist() == [1.0, 1.0]
    with torch.no_grad():
        model.student.weight.fill_(1e38)  # the squared error overflows
    out = model(x, mode='loss')  # skipped: zero loss, bank rolled back
    assert set(out) == {'loss_skipped', 'nonfinite_skips'}
    assert out['loss_skipped'].item() == 0 and guard.num_skips == 1
    assert model.bank.tolist() == [1.0, 1.0]
    # the skipped step drops the gradients right before optimizer.step
    out['loss_skipped'].backward()
    before = model.student.bias.detach().clone()
    runner.optim_wrapper.step()
    assert torch.equal(model.student.bias, before)
    # other modes are not checked; after training the hooks are gone
    assert model(x, mode='tensor').isfinite().all()
    guard.after_train(runner)
    assert model(x, mode='loss')['loss_kd'].isinf()
    assert guard.num_skips == 1


def _stop_message(model) -> str:
    guard = NonFiniteGuardHook()
    with pytest.raises(NonFiniteLossError) as err:
        guard.run(model, lambda: model(torch.ones(4, 3), mode='loss'))
    return str(err.value)


def test_cause_is_the_teacher_weights():
    model = _Distiller()
    with torch.no_grad():
        model.teacher.weight[0, 0] = float('nan')
    msg = _stop_message(model)
    assert "teacher's weights hold NaN/Inf (weight)" in msg, msg
    assert "model.teacher.pretrained='teacher.pt'" in msg
    assert 'lower the lr' not in msg


def test_cause_is_the_teacher_outputs():
    model = _Distiller()
    model.teacher.poison_outputs = True
    msg = _stop_message(model)
    assert "teacher's outputs were NaN/Inf although its weights are " \
        'finite' in msg, msg
    assert 'teacher weights file' in msg and 'lower the lr' not in msg


def test_cause_is_the_optimisation():
    model = _Distiller()
    with torch.no_grad():
        model.student.weight.fill_(1e38)  # diverged student
    msg = _stop_message(model)
    assert 'non-finite loss_kd' in msg
    assert 'optimisation diverged' in msg and 'lower the lr' in msg, msg
    assert 'AMP' in msg and "teacher's" not in msg


def test_held_teacher_weights_of_a_distiller_are_named():
    # a CLIP teacher keeps its model outside the module tree
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg('KD'))
    model.train()
    visual = set(map(id, model.teacher.clip.visual.parameters()))
    with torch.no_grad():
        for param in teacher_params(model):
            if id(param) in visual:
                param.fill_(float('nan'))
    guard = NonFiniteGuardHook()
    with pytest.raises(
            NonFiniteLossError, match="teacher's weights hold NaN/Inf"):
        guard.run(model, lambda: model(images(), mode='loss'))
