import pytest
import torch

from lgd_mm.registry import MODELS


def _head(**kwargs):
    return MODELS.build(
        dict(type='BatchNormLinearClsHead', num_classes=3, **kwargs))


def test_probe_sees_standardised_features():
    torch.manual_seed(0)
    head = _head(in_channels=8)
    # per-channel scale and offset that the probe must not see
    scale = torch.linspace(0.1, 50., 8)
    feats = torch.randn(64, 8) * scale + 7.
    head.train()
    z = head.pre_logits((feats, ))
    assert torch.allclose(z.mean(0), torch.zeros(8), atol=1e-4)
    assert torch.allclose(z.std(0, unbiased=False), torch.ones(8), atol=1e-3)
    assert head(((feats, ))).shape == (64, 3)
    # the only parameters are the linear layer's: no learned affine
    names = {n for n, _ in head.named_parameters()}
    assert names == {'fc.weight', 'fc.bias'}


def test_eval_uses_running_statistics():
    head = _head(in_channels=4)
    head.eval()
    feats = torch.full((2, 4), 3.)
    # fresh running statistics (mean 0, var 1): the identity
    assert torch.allclose(head.pre_logits((feats, )), feats, atol=1e-5)
    head.train()
    for _ in range(200):
        head.pre_logits((torch.randn(32, 4) * 2. + 5., ))
    head.eval()
    z = head.pre_logits((torch.full((1, 4), 5.), ))
    assert torch.allclose(z, torch.zeros(1, 4), atol=0.2)


def test_wrong_feature_width_is_an_error():
    head = _head(in_channels=4)
    with pytest.raises(RuntimeError):
        head.pre_logits((torch.randn(4, 5), ))
