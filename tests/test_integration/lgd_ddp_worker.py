"""Runs a few LGD steps through a Runner and saves the banks per rank.

Started by test_lgd_ddp.py under ``torchrun --nproc_per_node=2``
(launcher pytorch, gloo) and as one process with twice the batch. The
pipeline has no random augmentation and the sampler does not shuffle, so
all runs see the same global batches. ``--fast`` turns on the speed
switches of docs/performance.md (bf16 AMP, bf16 teacher, channels-last
student and teacher).
"""
import argparse
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.dist import get_rank, get_world_size

sys.path.insert(0, osp.dirname(__file__))
from lgd_tiny_options import tiny_lgd_options  # noqa: E402

from lgd_mm.engine.runner import build_runner  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('toyworld')
    parser.add_argument('work_dir')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--fast', action='store_true')
    args = parser.parse_args()
    launcher = 'pytorch' if 'RANK' in os.environ else 'none'
    world = int(os.environ.get('WORLD_SIZE', 1))

    cfg = Config.fromfile(osp.join(ROOT, 'configs/lgd/lgd_mbv3_in1k.py'))
    cfg.merge_from_dict(
        tiny_lgd_options(
            args.toyworld,
            args.work_dir,
            num_train=args.steps * args.batch_size * world,
            batch_size=args.batch_size,
            epochs=2))
    cfg.train_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(32, 32)),
        dict(type='PackInputs')
    ]
    cfg.train_dataloader.sampler.shuffle = False
    # torch's SyncBN is GPU-only; the banks do not depend on the student
    cfg.model.backbone.norm_cfg.type = 'BN'
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.train_cfg.val_interval = 100
    if args.fast:
        cfg.optim_wrapper.type = 'AnyDeviceAmpOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'
        cfg.model.channels_last = True
        cfg.model.teacher.update(dtype='bf16', channels_last=True)
    cfg.launcher = launcher
    cfg.work_dir = args.work_dir
    runner = build_runner(cfg)
    runner.train()
    assert runner.iter == 2 * args.steps  # two epochs
    model = runner.model.module if hasattr(runner.model,
                                           'module') else runner.model
    bank = model.visual_bank
    if args.fast:  # the switches really were on
        assert runner.optim_wrapper.cast_dtype == torch.bfloat16
        assert runner.optim_wrapper.loss_scaler is None
        assert model.teacher.dtype == torch.bfloat16
        conv = next(m for m in model.backbone.modules()
                    if isinstance(m, torch.nn.Conv2d))
        assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    torch.save(
        dict(
            prototypes=bank.prototypes,
            initialized=bank.initialized,
            world_size=get_world_size()),
        osp.join(
            args.work_dir, f'bank_w{get_world_size()}_r{get_rank()}'
            f'{"_fast" if args.fast else ""}.pth'))


if __name__ == '__main__':
    main()
