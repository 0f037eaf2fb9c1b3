"""ContrastiveCLIP: open_clip's loss, groups, temperature clamp, zero-shot
predictions and the exported open_clip state dict."""
import math

import open_clip
import pytest
import torch
from mmpretrain.structures import DataSample
from open_clip.modified_resnet import Bottleneck

from lgd_mm.models import ContrastiveCLIP, clip_state_from_checkpoint
from lgd_mm.registry import MODELS

NAMES = ['red circle', 'blue star', 'green square', 'yellow triangle']


def _samples(texts):
    return [DataSample(metainfo=dict(text=t)) for t in texts]


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='ContrastiveCLIP',
            model_name='lgd-toy-rn',
            contrast_group_size=4,
            zero_init_residual=False,
            text_bank=dict(type='TextualSemanticsBank', vocab=NAMES)))


def test_loss_is_the_mean_of_open_clip_group_losses(model):
    torch.manual_seed(1)
    images = torch.randn(8, 3, 64, 64)
    texts = [f'a photo of a {n}.' for n in NAMES] * 2
    model.train()
    losses = model.loss(images, _samples(texts))
    assert set(losses) == {'loss', 'logit_scale'}
    model.eval()  # BN in eval: the reference sees the same features
    losses = model.loss(images, _samples(texts))
    clip = model.clip
    img = clip.encode_image(images, normalize=True)
    txt = clip.encode_text(model.tokenizer(texts), normalize=True)
    ref = open_clip.loss.ClipLoss()
    scale = clip.logit_scale.exp()
    expected = (ref(img[:4], txt[:4], scale) +
                ref(img[4:], txt[4:], scale)) / 2
    torch.testing.assert_close(losses['loss'], expected)
    with pytest.raises(ValueError, match='contrast_group_size=4'):
        model.loss(images[:6], _samples(texts[:6]))


def test_residual_gains_start_at_one():
    torch.manual_seed(0)
    zero = ContrastiveCLIP(zero_init_residual=True)
    one = ContrastiveCLIP(zero_init_residual=False)
    zero.init_weights()
    one.init_weights()

    def gains(model):
        return [
            m.bn3.weight for m in model.clip.visual.modules()
            if isinstance(m, Bottleneck)
        ]

    assert len(gains(one)) == 4  # one bottleneck per stage
    assert all(bool((g == 1).all()) for g in gains(one))
    assert all(bool((g == 0).all()) for g in gains(zero))


def test_temperature_is_clamped_before_use_and_on_export(model):
    with torch.no_grad():
        model.clip.logit_scale.fill_(math.log(1000.))
    state = model.open_clip_state_dict()
    assert state['logit_scale'].exp().item() == pytest.approx(100.)
    model.loss(torch.randn(4, 3, 64, 64), _samples(NAMES))
    assert model.clip.logit_scale.exp().item() == pytest.approx(100.)


def test_predict_classifies_over_a_bank_of_the_current_text_tower(model):
    model.eval()
    images = torch.randn(3, 3, 64, 64)
    out = model.predict(images, _samples(['x'] * 3))
    bank = model.text_bank.bank.clone()
    assert bank.shape == (128, 4)
    z = model.extract_feat(images)
    assert [int(s.pred_label) for s in out] == (z @ bank).argmax(1).tolist()
    # a training step makes the bank stale: it is rebuilt from new weights
    with torch.no_grad():
        model.clip.text_projection.mul_(-1)
    model.loss(torch.zeros(4, 3, 64, 64), _samples(NAMES))
    model.predict(images, _samples(['x'] * 3))
    torch.testing.assert_close(model.text_bank.bank, -bank)


def test_clip_state_from_checkpoint(model):
    state = clip_state_from_checkpoint(model.state_dict())
    assert list(state) == list(model.clip.state_dict())
    loaded = open_clip.create_model('lgd-toy-rn')
    loaded.load_state_dict(state)  # strict: exactly the open_clip keys
    with pytest.raises(KeyError, match='ContrastiveCLIP'):
        clip_state_from_checkpoint({'backbone.conv1.weight': torch.ones(1)})
