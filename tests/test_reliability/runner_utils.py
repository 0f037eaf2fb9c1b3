"""Helpers of the reliability tests: tiny LGD runs through tools/train.py."""
import json
import os
import os.path as osp
import subprocess
import sys

from mmengine.config import Config

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
CONFIG = osp.join(ROOT, 'configs/lgd/lgd_mbv3_in1k.py')
TRAIN = osp.join(ROOT, 'tools/train.py')

sys.path.insert(0, osp.join(ROOT, 'tests', 'test_integration'))
from lgd_tiny_options import as_cli, tiny_lgd_options  # noqa: E402,F401


def write_recording_config(path: str) -> str:
    """A config that is CONFIG plus the loss recorder hook of this folder.

    Set the recorder's file per run with ``{recorder_key(): path}`` in the
    options.
    """
    hooks = list(Config.fromfile(CONFIG).custom_hooks) + [
        dict(type='LossRecorderHook', out_file='losses.jsonl')
    ]
    with open(path, 'w') as f:
        f.write(f'_base_ = {CONFIG!r}\n'
                "custom_imports = dict(imports=['lgd_mm', "
                "'lgd_reliability_recorder'], allow_failed_imports=False)\n"
                f'custom_hooks = {hooks!r}\n')
    return path


def recorder_key() -> str:
    """The ``--cfg-options`` key of the recorder's output file."""
    return f'custom_hooks.{len(Config.fromfile(CONFIG).custom_hooks)}.out_file'


def train_cmd(config: str, work_dir: str, opts: dict, *extra) -> list:
    return [sys.executable, TRAIN, config, '--work-dir', work_dir, *extra
            ] + as_cli(opts)


def subprocess_env() -> dict:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [HERE, ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    return env


def run_train(config: str, work_dir: str, opts: dict, *extra):
    """tools/train.py in a subprocess; returns the CompletedProcess."""
    return subprocess.run(
        train_cmd(config, work_dir, opts, *extra),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=subprocess_env())


def read_losses(path: str):
    """Segments of a recorder file: ``[(start_iter, {iter: values})]``."""
    segments = []
    if not osp.exists(path):
        return segments
    with open(path, encoding='utf-8') as f:
        for line in f:
            if not line.endswith('\n'):
                break  # cut by a kill
            rec = json.loads(line)
            if 'start' in rec:
                segments.append((rec['start'], {}))
            else:
                segments[-1][1][rec['iter']] = rec['values']
    return segments


def tiny_config(toyworld, work_dir: str, **options) -> Config:
    """CONFIG scaled down by the tiny options (+ ``options``), in-process."""
    opts = tiny_lgd_options(toyworld, work_dir)
    opts.update(options)
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(opts)
    cfg.work_dir = str(work_dir)
    return cfg
