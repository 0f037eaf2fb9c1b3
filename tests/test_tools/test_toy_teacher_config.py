"""The toy CLIP config trains through tools/train.py (a real Runner); the
exported checkpoint is what CLIPTeacher loads, and its zero-shot top-1
equals the Runner's ZeroShotAccuracy validation."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import torch

from lgd_mm.models.teachers import CLIPTeacher
from lgd_mm.benchmark.toy_teacher import (TOY_CLIP_CONFIG, export_toy_clip,
                                             toy_clip_zero_shot)
from lgd_mm.utils import safe_torch_load
from lgd_mm.utils.config_paths import config_path

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_config_trains_through_tools_train(toyworld, tmp_path):
    work = str(tmp_path / 'work')
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'),
        config_path(*TOY_CLIP_CONFIG), '--work-dir', work, '--cfg-options',
        'train_cfg.max_epochs=2', 'train_dataloader.batch_size=32'
    ]
    env = dict(os.environ, TOYWORLD_ROOT=str(toyworld), HF_HUB_OFFLINE='1')
    proc = subprocess.run(
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ckpt = osp.join(work, 'epoch_2.pth')
    assert osp.isfile(ckpt)
    state = safe_torch_load(ckpt, map_location='cpu')['state_dict']
    assert any(k.startswith('clip.visual.') for k in state)

    out = export_toy_clip(ckpt, str(tmp_path / 'teacher.pt'))
    teacher = CLIPTeacher(model_name='lgd-toy-rn', pretrained=out)
    for key, value in teacher.clip.state_dict().items():
        assert torch.equal(value, state['clip.' + key]), key

    # the Runner's validation (ContrastiveCLIP.predict + ZeroShotAccuracy)
    # and the teacher path agree on the exported weights
    scalars = glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))
    assert len(scalars) == 1
    with open(scalars[0]) as f:
        records = [json.loads(line) for line in f]
    val = [r for r in records if 'zero_shot/top1' in r]
    assert len(val) == 1
    top1 = toy_clip_zero_shot(out, str(toyworld), 'val')
    assert abs(val[0]['zero_shot/top1'] - top1) < 1e-6
