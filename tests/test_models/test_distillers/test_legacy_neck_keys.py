"""Checkpoints of the former ProjectionNeck (neck.fc0/fc1) load into the
MoCoV2Neck projector (neck.mlp.0/mlp.2) of every distiller."""
import os.path as osp
import sys

import torch
from mmengine.runner.checkpoint import load_state_dict

from lgd_mm.models import rename_legacy_neck_keys
from lgd_mm.registry import MODELS

sys.path.insert(0, osp.dirname(__file__))
from tiny_baselines import tiny_cfg  # noqa: E402


def _legacy(state):
    names = {'neck.mlp.0.': 'neck.fc0.', 'neck.mlp.2.': 'neck.fc1.'}
    out = {}
    for key, value in state.items():
        for new, old in names.items():
            if key.startswith(new):
                key = old + key[len(new):]
        out[key] = value.clone()
    return out


def test_old_projector_keys_are_renamed_on_load():
    torch.manual_seed(0)
    source = MODELS.build(tiny_cfg('KD'))
    state = _legacy(source.state_dict())
    assert 'neck.fc0.weight' in state and 'neck.mlp.0.weight' not in state
    for loader in ('torch', 'mmengine'):
        torch.manual_seed(1)
        target = MODELS.build(tiny_cfg('KD'))
        assert not torch.equal(target.neck.mlp[0].weight,
                               source.neck.mlp[0].weight)
        if loader == 'torch':
            target.load_state_dict(dict(state), strict=True)
        else:  # the Runner's resume / load_from path
            load_state_dict(target, dict(state), strict=True)
        for key, value in source.state_dict().items():
            assert torch.equal(target.state_dict()[key], value), key


def test_rename_with_prefix():
    state = {
        'module.neck.fc0.weight': 1,
        'module.neck.fc1.bias': 2,
        'module.backbone.conv1.weight': 3
    }
    renamed = rename_legacy_neck_keys(state, 'module.')
    assert sorted(renamed) == [
        'module.neck.fc0.weight', 'module.neck.fc1.bias'
    ]
    assert state == {
        'module.neck.mlp.0.weight': 1,
        'module.neck.mlp.2.bias': 2,
        'module.backbone.conv1.weight': 3
    }
