"""tools/train.py's own arguments reach the config."""
import importlib.util
import os.path as osp
import sys

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'train_tool', osp.join(ROOT, 'tools', 'train.py'))
train = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train)

CONFIG = osp.join(ROOT, 'configs', 'toyworld',
                  'lgd_r18-half_toy-clip_1xb32-coslr-16e_toyworld.py')


def _merged(monkeypatch, *argv):
    monkeypatch.setattr(sys, 'argv', ['train.py', CONFIG, *argv])
    args = train.parse_args()
    return train.merge_train_args(Config.fromfile(CONFIG), args)


def test_seed_and_deterministic(monkeypatch):
    # the recipe itself leaves the seed to chance
    assert Config.fromfile(CONFIG).randomness.seed is None
    cfg = _merged(monkeypatch, '--seed', '3', '--deterministic')
    assert cfg.randomness == dict(seed=3, deterministic=True)
    cfg = _merged(monkeypatch)
    assert cfg.randomness.seed is None


def test_test_tool_evaluates_a_pretraining_config_on_val(capsys):
    """tools/test.py CONFIG CKPT on a pre-training recipe runs its zero-shot
    validation instead of failing on the missing test loop."""
    spec = importlib.util.spec_from_file_location(
        'test_tool', osp.join(ROOT, 'tools', 'test.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    cfg = Config.fromfile(CONFIG)
    assert not cfg.get('test_dataloader')
    assert tool.use_val_as_test(cfg, CONFIG)
    assert cfg.test_evaluator.type == 'ZeroShotAccuracy'
    assert cfg.test_dataloader == cfg.val_dataloader
    assert 'no test split' in capsys.readouterr().out
    bare = Config(dict(model=dict(type='LGD')))
    import pytest
    with pytest.raises(SystemExit, match='zero-shot_<student>-lgd-pre'):
        tool.use_val_as_test(bare, 'x.py')
