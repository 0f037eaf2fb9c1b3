"""LGD algorithm: losses, gradients, bank update order, predict mode."""
import copy

import pytest
import torch

from lgd_mm.models.banks import lgka_update_loop
from lgd_mm.models.heads import zero_shot_labels
from lgd_mm.registry import MODELS
from lgd_mm.utils import register_all_modules

register_all_modules()

CLASSES = ['red circle', 'blue square', 'green triangle', 'yellow star']


def lgd_cfg(vocab_file, **kwargs):
    cfg = dict(
        type='LGD',
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        neck=dict(
            type='MoCoV2Neck',
            in_channels=512,
            hid_channels=64,
            out_channels=32),
        head=dict(type='LGDHead'),
        teacher=dict(type='CLIPTeacher', model_name='lgd-tiny-rn'),
        text_bank=dict(
            type='TextualSemanticsBank',
            vocab=str(vocab_file),
            templates=['a photo of a {}.', 'a drawing of a {}.']),
        data_preprocessor=dict(
            type='SelfSupDataPreprocessor',
            mean=[122.771, 116.746, 104.094],
            std=[68.501, 66.632, 70.323],
            to_rgb=True))
    cfg.update(kwargs)
    return cfg


@pytest.fixture
def vocab_file(tmp_path):
    path = tmp_path / 'vocab.txt'
    path.write_text('\n'.join(CLASSES) + '\n')
    return path


def test_build_and_state(vocab_file):
    model = MODELS.build(lgd_cfg(vocab_file))
    assert model.text_bank.bank.shape == (32, len(CLASSES))
    assert model.visual_bank.prototypes.shape == (32, len(CLASSES))
    # text tower freed after building the bank
    assert not model.teacher.has_text_tower
    keys = set(model.state_dict())
    assert not any(k.startswith('teacher') for k in keys)
    assert {'text_bank.bank', 'visual_bank.prototypes',
            'visual_bank.initialized'} <= keys
    # every trainable parameter belongs to the student or its projector
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names and all(n.startswith(('backbone.', 'neck.')) for n in names)


def test_loss_step_updates_bank_after_loss(vocab_file):
    torch.manual_seed(0)
    model = MODELS.build(lgd_cfg(vocab_file))
    model.train()
    x = torch.randn(6, 3, 32, 32)
    old_v = model.visual_bank.prototypes.clone()
    old_flags = model.visual_bank.initialized.clone()
    old_t = model.text_bank.bank.clone()

    losses = model.loss([x], [None] * 6)
    assert set(losses) == {'loss_vis', 'loss_tex', 'zs_agree', 'vsb_fill'}
    assert all(torch.isfinite(v) for v in losses.values())

    # the loss used the *old* bank: recompute it with the head directly
    with torch.no_grad():
        z_t = model.teacher(x)
        z_s = model.student_embed(x)
        ref = model.head.loss(z_s, z_t, old_v, old_t)
    torch.testing.assert_close(losses['loss_vis'], ref['loss_vis'])
    torch.testing.assert_close(losses['loss_tex'], ref['loss_tex'])

    # then the VSB got exactly the LGKA update of the teacher keys
    labels = zero_shot_labels(z_t, old_t)
    exp_v, exp_flags = lgka_update_loop(old_v, old_flags, z_t, labels, 0.999)
    torch.testing.assert_close(model.visual_bank.prototypes, exp_v)
    assert torch.equal(model.visual_bank.initialized, exp_flags)
    assert losses['vsb_fill'].item() == pytest.approx(
        exp_flags.float().mean().item())
    torch.testing.assert_close(model.text_bank.bank, old_t)  # TSB is fixed

    # backward reaches the student only, despite the in-place bank update
    (losses['loss_vis'] + losses['loss_tex']).backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is not None for n, g in grads.items())
    assert all(p.grad is None for p in model.teacher.clip.parameters())


def test_self_positive_switch_changes_loss(vocab_file):
    torch.manual_seed(0)
    a = MODELS.build(lgd_cfg(vocab_file))
    b = copy.deepcopy(a)
    b.head.use_self_positive = False
    x = torch.randn(4, 3, 32, 32)
    la = a.loss(x, None)['loss_vis']
    lb = b.loss(x, None)['loss_vis']
    assert not torch.allclose(la, lb)


def test_tensor_and_predict_modes(vocab_file):
    model = MODELS.build(lgd_cfg(vocab_file))
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    feats = model(x, mode='tensor')
    assert isinstance(feats, tuple) and feats[-1].shape == (2, 512, 1, 1)
    assert torch.equal(feats[-1], model.extract_feat(x)[-1])
    out = model(x, mode='predict')
    assert len(out) == 2
    scores = model.student_embed(x) @ model.text_bank.bank
    for ds, s in zip(out, scores):
        torch.testing.assert_close(ds.pred_score, s)
        assert int(ds.pred_label) == int(s.argmax())
        assert 0 <= int(ds.teacher_pred_label) < len(CLASSES)
    with pytest.raises(ValueError, match='one view'):
        model.loss([x, x], None)
