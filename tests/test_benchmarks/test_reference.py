"""Reference rows: random init and supervised backbones as export files."""
import os.path as osp

import pytest
import torch

from lgd_mm.benchmark.extract import EXPORT_FORMAT, extract_backbone
from lgd_mm.benchmark.reference import export_reference, is_reference_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RANDOM_R18 = osp.join(ROOT, 'configs', 'reference', 'random_r18.py')
RANDOM_TOY = osp.join(ROOT, 'configs', 'toyworld', 'random_r18-half_toyworld.py')


def test_random_init_is_seeded_and_loadable(tmp_path):
    out = tmp_path / 'random.pth'
    payload = export_reference(RANDOM_R18, str(out), seed=0)
    meta = payload['meta']
    assert meta['format'] == EXPORT_FORMAT
    assert meta['algorithm'] == 'Random init' and meta['arch'] == 'r18'
    assert meta['mean'] == [122.771, 116.746, 104.094]
    # weights-only loadable, same tensors as returned
    saved = torch.load(out, weights_only=True)
    assert saved['state_dict'].keys() == payload['state_dict'].keys()
    again = export_reference(RANDOM_R18, seed=0)['state_dict']
    other = export_reference(RANDOM_R18, seed=1)['state_dict']
    key = 'backbone.layer1.0.conv1.weight'
    assert torch.equal(again[key], payload['state_dict'][key])
    assert not torch.equal(other[key], again[key])
    # the global RNG is left as it was
    state = torch.random.get_rng_state()
    export_reference(RANDOM_R18, seed=5)
    assert torch.equal(state, torch.random.get_rng_state())
    # re-exporting keeps the row's labels
    assert extract_backbone(str(out))['meta']['algorithm'] == 'Random init'


def test_half_width_reference_and_errors(tmp_path):
    payload = export_reference(RANDOM_TOY)
    assert payload['state_dict']['backbone.conv1.weight'].shape[0] == 32
    # the demo's student is described (configs/_base_/students/r18-half.py)
    assert payload['meta']['arch'] == 'r18-half'
    assert is_reference_config(RANDOM_TOY)
    assert not is_reference_config(str(tmp_path / 'x.pth'))
    bad = tmp_path / 'bad.py'
    bad.write_text("reference = dict(algorithm='X')\n")
    with pytest.raises(KeyError, match="misses \\['backbone', 'prefix'\\]"):
        export_reference(str(bad))
    none = tmp_path / 'none.py'
    none.write_text('a = 1\n')
    with pytest.raises(KeyError, match='no `reference` dict'):
        export_reference(str(none))
