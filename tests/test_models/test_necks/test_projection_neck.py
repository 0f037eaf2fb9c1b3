import pytest
import torch
import torch.nn as nn

from lgd_mm.models.necks.projection_neck import ProjectionNeck
from lgd_mm.registry import MODELS


def test_output_shape_and_structure():
    neck = MODELS.build(
        dict(
            type='ProjectionNeck',
            in_channels=16,
            hid_channels=16,
            out_channels=8))
    out = neck(torch.randn(2, 16, 4, 4))
    assert isinstance(out, tuple) and len(out) == 1
    assert out[0].shape == (2, 8)
    assert not any(
        isinstance(m, nn.modules.batchnorm._NormBase) for m in neck.modules())
    linears = [m for m in neck.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(16, 16),
                                                                  (16, 8)]
    assert neck.dropout is None
    # not normalised by the neck
    assert not torch.allclose(out[0].norm(dim=1), torch.ones(2))


def test_tuple_input_uses_last_feature():
    neck = ProjectionNeck(in_channels=6, hid_channels=5, out_channels=3)
    last = torch.randn(2, 6, 3, 3)
    out_tuple = neck((torch.randn(2, 4, 6, 6), last))[0]
    assert torch.equal(out_tuple, neck(last)[0])
    pooled = last.mean(dim=(2, 3))
    expected = neck.fc1(torch.relu(neck.fc0(pooled)))
    torch.testing.assert_close(out_tuple, expected)


def test_without_avg_pool():
    neck = ProjectionNeck(6, 5, 3, with_avg_pool=False)
    assert neck((torch.randn(4, 6), ))[0].shape == (4, 3)
    with pytest.raises(ValueError):
        ProjectionNeck(6, 5, 3)(torch.randn(4, 6))


def test_dropout():
    neck = ProjectionNeck(8, 8, 4, dropout=0.2)
    assert isinstance(neck.dropout, nn.Dropout) and neck.dropout.p == 0.2
    x = torch.randn(3, 8, 2, 2)
    neck.eval()
    assert torch.equal(neck(x)[0], neck(x)[0])
    neck.train()
    torch.manual_seed(0)
    a = neck(x)[0]
    torch.manual_seed(1)
    assert not torch.equal(a, neck(x)[0])
    with pytest.raises(ValueError):
        ProjectionNeck(8, 8, 4, dropout=1.0)
    with pytest.raises(TypeError):
        ProjectionNeck(8, 8, 4, with_avg_pool='False')
