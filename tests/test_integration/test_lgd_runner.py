"""LGD through tools/train.py: train, save, resume, banks preserved."""
import os.path as osp
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from lgd_mm.utils import safe_torch_load

sys.path.insert(0, osp.dirname(__file__))
from lgd_tiny_options import as_cli, tiny_lgd_options  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/lgd/lgd_mbv3_in1k.py')


def test_train_three_iters_save_resume(tmp_path, toyworld):
    work = tmp_path / 'work'
    opts = tiny_lgd_options(toyworld, work)
    cmd = [sys.executable, osp.join(ROOT, 'tools/train.py'), CONFIG,
           '--work-dir', str(work)] + as_cli(opts)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    # 2 epochs x 3 iterations logged with both losses and the diagnostics
    assert log.count('loss_vis:') == 6 and 'loss_tex:' in log
    assert 'vsb_fill:' in log and 'zs_agree:' in log
    assert 'zero_shot/top1' in log and 'zero_shot/teacher_top1' in log

    ckpt_path = work / 'epoch_1.pth'
    ckpt = safe_torch_load(str(ckpt_path))
    sd = ckpt['state_dict']
    assert not any(k.startswith('teacher') for k in sd)
    assert sd['visual_bank.initialized'].any()
    meta = ckpt['meta']['lgd_mm']
    assert meta['algorithm'] == 'LGD' and meta['student'] == 'MobileNetV3'
    assert meta['mean'] == [122.771, 116.746, 104.094]

    # resume: a new Runner loads the banks bit-for-bit and continues
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(opts)
    cfg.work_dir = str(tmp_path / 'resumed')
    cfg.resume = True
    cfg.load_from = str(ckpt_path)
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    model = runner.model
    for key in ('visual_bank.prototypes', 'visual_bank.initialized',
                'text_bank.bank'):
        assert torch.equal(model.state_dict()[key], sd[key]), key
    assert runner.iter == 3 and runner.epoch == 1
    runner.train()
    assert runner.iter == 6
    # training went on from the resumed bank
    assert not torch.equal(model.visual_bank.prototypes,
                           sd['visual_bank.prototypes'])
