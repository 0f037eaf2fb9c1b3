"""SEED: the FIFO queue and the loss over [self, queue]."""
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F

from lgd_mm.models.banks import InstanceQueue
from lgd_mm.models.heads import bank_logits
from lgd_mm.models.losses import soft_cross_entropy
from lgd_mm.registry import MODELS

sys.path.insert(0, osp.dirname(__file__))
from tiny_baselines import images, teacher_params, tiny_cfg  # noqa: E402


def test_queue_enqueue_order_and_wrap_around():
    queue = InstanceQueue(embed_dim=3, size=6)
    assert set(queue.state_dict()) == {'queue', 'ptr'}
    torch.testing.assert_close(queue.queue.norm(dim=0), torch.ones(6))
    keys = torch.arange(18, dtype=torch.float32).view(6, 3)
    queue.enqueue(keys[:2])
    queue.enqueue(keys[2:4])
    # columns in arrival order, pointer after the last write
    assert torch.equal(queue.queue[:, :4], keys[:4].t())
    assert int(queue.ptr) == 4
    queue.enqueue(keys[4:6])
    assert int(queue.ptr) == 0  # wrapped
    queue.enqueue(keys[:2] + 100)  # overwrites the oldest entries
    assert torch.equal(queue.queue[:, :2], keys[:2].t() + 100)
    assert torch.equal(queue.queue[:, 2:], keys[2:].t())
    assert int(queue.ptr) == 2


def test_queue_rejects_batch_not_dividing_size():
    queue = InstanceQueue(embed_dim=3, size=8)
    with pytest.raises(ValueError, match='must divide the queue size 8'):
        queue.enqueue(torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r'\(N, 3\)'):
        queue.enqueue(torch.zeros(4, 5))


def test_seed_loss_uses_old_queue_then_enqueues_teacher_keys():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg('SEED'))
    model.train()
    x = images(4)
    old = model.queue.queue.clone()
    losses = model.loss([x], None)
    assert set(losses) == {'loss_seed'} and torch.isfinite(losses['loss_seed'])

    with torch.no_grad():
        z_t = model.teacher(x)
        z_s = model.student_embed(x)
    # SEED's soft CE: teacher softmax([1, z_T.Q]/0.01), student /0.2
    target = F.softmax(bank_logits(z_t, z_t, old, 0.01), dim=1)
    expected = soft_cross_entropy(bank_logits(z_s, z_t, old, 0.2), target)
    torch.testing.assert_close(losses['loss_seed'], expected)
    torch.testing.assert_close(model.queue.queue[:, :4], z_t.t())
    torch.testing.assert_close(model.queue.queue[:, 4:], old[:, 4:])
    assert int(model.queue.ptr) == 4

    losses['loss_seed'].backward()
    assert all(p.grad is not None for p in model.backbone.parameters())
    assert all(p.grad is None for p in teacher_params(model))
    assert not any(k.startswith('teacher') for k in model.state_dict())


def test_teacher_loss_weight_scales_distillation():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg('SEED', teacher_loss_weight=0.25))
    x = images(4)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    scaled = model([x], None, mode='loss')['loss_seed']
    model.load_state_dict(state)  # same queue again
    raw = model.loss([x], None)['loss_seed']
    torch.testing.assert_close(scaled, 0.25 * raw)
