"""Runs SEED from its config for 3 steps under torchrun (gloo) and saves
each rank's queue and the teacher embedding of every training image.

Started by test_seed_ddp.py. The pipeline has no random augmentation and
the sampler does not shuffle, so the test knows which images each rank
saw at each step.
"""
import argparse
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.dist import get_rank, get_world_size

sys.path.insert(0, osp.dirname(__file__))
from baseline_tiny_options import (
    config_path,  # noqa: E402
    tiny_baseline_options)

from lgd_mm.engine.runner import build_runner  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('toyworld')
    parser.add_argument('work_dir')
    args = parser.parse_args()
    cfg = Config.fromfile(config_path('seed'))
    cfg.merge_from_dict(
        tiny_baseline_options(
            'seed',
            args.toyworld,
            args.work_dir,
            num_train=12,
            batch_size=2,
            queue_size=8))
    cfg.train_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(32, 32)),
        dict(type='PackInputs')
    ]
    cfg.train_dataloader.sampler.shuffle = False
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = 'pytorch' if 'RANK' in os.environ else 'none'
    cfg.work_dir = args.work_dir
    runner = build_runner(cfg)
    runner.train()
    assert runner.iter == 3
    model = getattr(runner.model, 'module', runner.model)
    dataset = runner.train_dataloader.dataset
    batch = default_collate([dataset[i] for i in range(len(dataset))])
    with torch.no_grad():
        keys = model.teacher(model.data_preprocessor(batch)['inputs'])
    torch.save(
        dict(
            queue=model.queue.queue,
            ptr=model.queue.ptr,
            keys=keys,
            world_size=get_world_size()),
        osp.join(args.work_dir, f'queue_r{get_rank()}.pth'))


if __name__ == '__main__':
    main()
