import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from lgd_mm.models.banks.visual_bank import VisualSemanticsBank
from lgd_mm.models.heads.lgd_head import LGDHead
from lgd_mm.models.heads.similarity import bank_logits, zero_shot_labels
from lgd_mm.registry import MODELS

B, D, C = 4, 8, 6


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    z_s = F.normalize(torch.randn(B, D, generator=g), dim=1)
    z_t = F.normalize(torch.randn(B, D, generator=g), dim=1)
    vis = 0.8 * F.normalize(torch.randn(D, C, generator=g), dim=0)
    tex = F.normalize(torch.randn(D, C, generator=g), dim=0)
    return z_s, z_t, vis, tex


def _np_soft_ce(student, teacher_logits):
    """Mean over rows of -sum p * log_softmax(s), in float64 numpy."""
    t = teacher_logits - teacher_logits.max(1, keepdims=True)
    p = np.exp(t) / np.exp(t).sum(1, keepdims=True)
    s = student - student.max(1, keepdims=True)
    log_q = s - np.log(np.exp(s).sum(1, keepdims=True))
    return float((-(p * log_q).sum(1)).mean())


def _np_expected(z_s, z_t, vis, tex, ts, tt, self_positive=True):
    zs, zt, v, lt = (x.double().numpy() for x in (z_s, z_t, vis, tex))
    s_vis, t_vis = zs @ v, zt @ v
    if self_positive:
        s_vis = np.concatenate([(zs * zt).sum(1, keepdims=True), s_vis], 1)
        t_vis = np.concatenate([(zt * zt).sum(1, keepdims=True), t_vis], 1)
    l_vis = _np_soft_ce(s_vis / ts, t_vis / tt)
    l_tex = _np_soft_ce(zs @ lt / ts, zt @ lt / tt)
    return l_vis, l_tex


@pytest.mark.parametrize('teacher_temp', [0.01, 0.1])
def test_loss_matches_hand_computation(teacher_temp):
    z_s, z_t, vis, tex = _inputs()
    head = MODELS.build(
        dict(
            type='LGDHead',
            teacher_temp=teacher_temp,
            vis_weight=0.3,
            tex_weight=0.7))
    losses = head.loss(z_s, z_t, vis, tex)
    assert set(losses) == {'loss_vis', 'loss_tex'}
    l_vis, l_tex = _np_expected(z_s, z_t, vis, tex, 0.2, teacher_temp)
    assert_close(
        losses['loss_vis'], torch.tensor(0.3 * l_vis), rtol=1e-5, atol=1e-5)
    assert_close(
        losses['loss_tex'], torch.tensor(0.7 * l_tex), rtol=1e-5, atol=1e-5)


def test_without_self_positive():
    z_s, z_t, vis, tex = _inputs(1)
    with_pos = LGDHead(teacher_temp=0.1)
    without = LGDHead(teacher_temp=0.1, use_self_positive=False)
    lv_with = with_pos.loss(z_s, z_t, vis, tex)['loss_vis']
    lv_without = without.loss(z_s, z_t, vis, tex)['loss_vis']
    l_vis, _ = _np_expected(z_s, z_t, vis, tex, 0.2, 0.1, False)
    assert_close(lv_without, torch.tensor(0.5 * l_vis), rtol=1e-5, atol=1e-5)
    assert not torch.isclose(lv_with, lv_without)
    # the text branch does not depend on the switch
    assert_close(
        with_pos.loss(z_s, z_t, vis, tex)['loss_tex'],
        without.loss(z_s, z_t, vis, tex)['loss_tex'])
    assert bank_logits(z_s, z_t, vis, 0.2).shape == (B, C + 1)
    assert bank_logits(z_s, z_t, vis, 0.2, self_positive=False).shape == \
        (B, C)
    assert bank_logits(z_s, None, vis, 0.2, self_positive=False).shape == \
        (B, C)


def test_bank_logits_values():
    z_s, z_t, vis, _ = _inputs(2)
    logits = bank_logits(z_s, z_t, vis, 0.5)
    assert_close(logits[:, 0], (z_s * z_t).sum(1) / 0.5)
    assert_close(logits[:, 1:], z_s @ vis / 0.5)
    with pytest.raises(ValueError):
        bank_logits(z_s, None, vis, 0.5)
    with pytest.raises(ValueError):
        bank_logits(z_s, z_t, vis[:3], 0.5)


def test_gradients_reach_student_only():
    z_s, z_t, vis, tex = _inputs(3)
    z_s.requires_grad_(True)
    z_t.requires_grad_(True)
    vis.requires_grad_(True)
    tex.requires_grad_(True)
    losses = LGDHead().loss(z_s, z_t, vis, tex)
    sum(losses.values()).backward()
    assert z_s.grad is not None and z_s.grad.abs().sum() > 0
    assert z_t.grad is None
    assert vis.grad is None
    assert tex.grad is None


def test_bank_update_after_loss_keeps_backward_valid():
    """The LGKA update runs in place before backward (mmengine order)."""
    z_s, z_t, _, tex = _inputs(4)
    bank = VisualSemanticsBank(num_classes=C, embed_dim=D)
    old = bank.prototypes.clone()
    z_s.requires_grad_(True)
    head = LGDHead(teacher_temp=0.1)
    losses = head.loss(z_s, z_t, bank.bank, tex)
    bank.update(z_t, head.teacher_pseudo_labels(z_t, tex))
    assert not torch.equal(bank.prototypes, old)
    sum(losses.values()).backward()  # no in-place modification error
    # the loss used the old bank
    expected = head.loss(z_s.detach(), z_t, old, tex)
    assert_close(losses['loss_vis'], expected['loss_vis'])


def test_autocast_bf16_gives_fp32_loss():
    z_s, z_t, vis, tex = _inputs(5)
    proj = torch.nn.Linear(D, D)
    head = LGDHead(teacher_temp=0.1)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        z_s_bf16 = F.normalize(proj(z_s), dim=1)
        assert z_s_bf16.dtype == torch.bfloat16
        losses = head.loss(z_s_bf16, z_t.bfloat16(), vis, tex)
    for v in losses.values():
        assert v.dtype == torch.float32
    ref = head.loss(z_s_bf16.float(), z_t.bfloat16().float(), vis, tex)
    for k in losses:
        assert_close(losses[k], ref[k])
    sum(losses.values()).backward()
    assert proj.weight.grad is not None


def test_pseudo_labels_and_checks():
    z_s, z_t, vis, tex = _inputs(6)
    head = LGDHead()
    labels = head.teacher_pseudo_labels(z_t, tex)
    assert labels.dtype == torch.long and labels.shape == (B, )
    assert torch.equal(labels, (z_t @ tex).argmax(1))
    assert torch.equal(zero_shot_labels(z_t.half(), tex), labels)
    with pytest.raises(AssertionError):
        head.loss(z_s, z_t[:2], vis, tex)
    with pytest.raises(AssertionError):
        head.loss(z_s, z_t, vis[:4], tex)
    with pytest.raises(AssertionError):
        head.loss(z_s, z_t, vis, tex[:4])


def test_typed_constructor_args():
    with pytest.raises(TypeError):
        LGDHead(use_self_positive='False')
    with pytest.raises(TypeError):
        LGDHead(student_temp='0.2')
    with pytest.raises(ValueError):
        LGDHead(teacher_temp=0.0)
