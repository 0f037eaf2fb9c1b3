"""Plain KD and DisCo: the distances, the two views, what is scaled."""
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F

from lgd_mm.registry import MODELS

sys.path.insert(0, osp.dirname(__file__))
from tiny_baselines import images, teacher_params, tiny_cfg  # noqa: E402


def test_kd_head_distances():
    proj = torch.tensor([[3., 4.], [1., 0.]])
    z_t = torch.tensor([[1., 0.], [0., 1.]])
    cos = MODELS.build(dict(type='KDHead'))
    # 1 - cos: (1 - 0.6) and (1 - 0)
    assert cos.loss(proj, z_t).item() == pytest.approx((0.4 + 1.0) / 2)
    mse = MODELS.build(dict(type='KDHead', distance='mse'))
    # raw projection: ||(2, 4)||^2 = 20 and ||(1, -1)||^2 = 2
    assert mse.loss(proj, z_t).item() == pytest.approx(11.0)
    unit = MODELS.build(
        dict(type='KDHead', distance='mse', normalize=True, loss_weight=2.))
    # normalised: 2 - 2 cos per sample, times the weight
    assert unit.loss(proj, z_t).item() == pytest.approx(2 * (0.8 + 2) / 2)
    with pytest.raises(ValueError, match='distance'):
        MODELS.build(dict(type='KDHead', distance='l1'))


def test_kd_step():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg('KD'))
    x = images(4)
    loss = model([x], None, mode='loss')['loss_kd']
    with torch.no_grad():
        expected = 1 - F.cosine_similarity(
            model.student_project(x), model.teacher(x)).mean()
    torch.testing.assert_close(loss, expected)
    loss.backward()
    assert all(p.grad is None for p in teacher_params(model))


def test_disco_two_views_momentum_queue_and_weighting():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg('DisCo', teacher_loss_weight=0.5))
    model.init_weights()
    model.train()
    v1, v2 = images(4, seed=1), images(4, seed=2)
    with pytest.raises(ValueError, match='needs 2 views'):
        model([v1], None, mode='loss')
    state = {k: v.clone() for k, v in model.state_dict().items()}
    losses = model([v1, v2], None, mode='loss')
    assert set(losses) == {'loss_con', 'loss_consist'}
    # the momentum encoder took the student's weights at its first step
    for p_k, p_q in zip(
            model.encoder_k.module.parameters(),
            list(model.backbone.parameters()) + list(model.neck.parameters())):
        assert torch.equal(p_k, p_q) and not p_k.requires_grad
    assert int(model.queue.ptr) == 4

    # only the consistency term is distillation: 0.5 x, MoCo's unscaled
    model.load_state_dict(state)
    raw = model.loss([v1, v2], None)
    torch.testing.assert_close(losses['loss_con'], raw['loss_con'])
    torch.testing.assert_close(losses['loss_consist'],
                               0.5 * raw['loss_consist'])
    with torch.no_grad():
        expected = sum((F.normalize(model.student_project(v), dim=1) -
                        model.teacher(v)).pow(2).sum(1).mean()
                       for v in (v1, v2))
    torch.testing.assert_close(raw['loss_consist'], expected)

    sum(raw.values()).backward()
    assert all(p.grad is None for p in teacher_params(model))
    assert all(p.grad is None for p in model.encoder_k.parameters())
    assert model.backbone.conv1.weight.grad is not None
