"""The student projector is mmpretrain's MoCoV2Neck for every distiller;
it initialises and computes exactly as the former ProjectionNeck."""
import pytest
import torch
import torch.nn as nn
from mmpretrain.models.necks import MoCoV2Neck

from lgd_mm.registry import MODELS


class _FormerProjectionNeck(nn.Module):
    """The layers of lgd_mm's former ``ProjectionNeck`` (dropout 0, its
    only use), built in its order: GAP, fc0, ReLU, fc1."""

    def __init__(self, in_channels, hid_channels, out_channels):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc0 = nn.Linear(in_channels, hid_channels)
        self.relu = nn.ReLU(inplace=True)
        self.fc1 = nn.Linear(hid_channels, out_channels)

    def forward(self, inputs):
        x = self.avgpool(inputs[-1]).flatten(1)
        return (self.fc1(self.relu(self.fc0(x))), )


def _build(kind, seed=0):
    torch.manual_seed(seed)
    if kind == 'former':
        neck = _FormerProjectionNeck(16, 12, 8)
    else:
        neck = MODELS.build(
            dict(
                type='MoCoV2Neck',
                in_channels=16,
                hid_channels=12,
                out_channels=8))
        neck.init_weights()  # what the runner calls; a no-op here
    return neck, torch.get_rng_state()


def test_same_init_rng_and_outputs_as_the_former_neck():
    old, old_rng = _build('former')
    new, new_rng = _build('mocov2')
    assert isinstance(new, MoCoV2Neck)
    # the global RNG advanced by the same draws: later modules (heads,
    # banks, data order) see the same numbers for a seed
    assert torch.equal(old_rng, new_rng)
    assert torch.equal(old.fc0.weight, new.mlp[0].weight)
    assert torch.equal(old.fc0.bias, new.mlp[0].bias)
    assert torch.equal(old.fc1.weight, new.mlp[2].weight)
    assert torch.equal(old.fc1.bias, new.mlp[2].bias)
    x = torch.randn(3, 16, 4, 4)
    assert torch.equal(old((x, ))[0], new((x, ))[0])
    # GAP -> MLP, no normalisation, no batch norm
    assert new((x, ))[0].shape == (3, 8)
    assert not any(
        isinstance(m, nn.modules.batchnorm._NormBase) for m in new.modules())


def test_former_name_builds_mocov2neck():
    torch.manual_seed(0)
    alias = MODELS.build(
        dict(
            type='ProjectionNeck',
            in_channels=16,
            hid_channels=12,
            out_channels=8))
    new, _ = _build('mocov2')
    assert type(alias) is MoCoV2Neck
    assert alias.state_dict().keys() == new.state_dict().keys()
    assert all(
        torch.equal(a, b) for a, b in zip(alias.state_dict().values(),
                                          new.state_dict().values()))
    with pytest.raises(ValueError, match='MoCoV2Neck'):
        MODELS.build(
            dict(
                type='ProjectionNeck',
                in_channels=16,
                hid_channels=12,
                out_channels=8,
                dropout=0.2))


def test_without_avg_pool():
    neck = MoCoV2Neck(6, 5, 3, with_avg_pool=False)
    assert neck((torch.randn(4, 6), ))[0].shape == (4, 3)
