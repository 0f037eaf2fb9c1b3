"""Offline demo on the embedded ToyWorld default (CPU, no downloads).

Stages (each logs its time; everything lands in one work dir):
  1. generate ToyWorld (seeded; reused when already there),
  2. train the toy CLIP teacher on ToyWorld captions (cached per data/seed),
  3. LGD pre-training of a ResNet-18 student through tools/train.py's code
     path (mmengine Runner, the configs/lgd recipe scaled by values),
  4. zero-shot top-1 of the student (and the teacher) over the ToyWorld
     text bank.

    python tools/demo.py [--work-dir work_dirs/demo] [--preset default|ci]

The baselines, transfer tasks and the leaderboard join the demo as the
offline-default issue proceeds.
"""
import argparse
import json
import os.path as osp
import time

from mmengine.config import Config

import lgd_mm  # noqa: F401
from lgd_mm.datasets.toyworld import generate_toyworld
from lgd_mm.models.teachers.toy_clip import get_toy_teacher
from lgd_mm.utils.cli import build_runner

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
LGD_CFG = osp.join(ROOT,
                   'configs/toyworld/lgd_r18_toy-clip_1xb32-coslr-4e_toyworld.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument(
        '--preset', default='default', choices=['default', 'ci'],
        help='ToyWorld size; ci is the small one the tests use')
    parser.add_argument('--epochs', type=int, default=None,
                        help='override the pre-training epochs')
    return parser.parse_args()


def stage(name):
    print(f'\n=== [demo] {name}', flush=True)
    return time.time()


def main():
    args = parse_args()
    work_dir = osp.abspath(args.work_dir)
    times = {}

    t0 = stage('1/4 ToyWorld data')
    data_root = osp.join(work_dir, 'data', 'toyworld')
    summary = generate_toyworld(data_root, seed=0, preset=args.preset)
    times['data'] = time.time() - t0

    t0 = stage('2/4 toy CLIP teacher')
    teacher_ckpt = get_toy_teacher(data_root, osp.join(work_dir, 'teachers'))
    times['teacher'] = time.time() - t0

    t0 = stage('3/4 LGD pre-training (ResNet-18 student)')
    cfg = Config.fromfile(LGD_CFG)
    cfg.model.teacher.pretrained = teacher_ckpt
    cfg.work_dir = osp.join(work_dir, 'lgd_r18')
    cfg.model.text_bank.vocab = osp.join(data_root, 'classnames.txt')
    cfg.model.text_bank.cache_dir = osp.join(work_dir, 'text_banks')
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.dataset.data_root = osp.join(data_root, 'cls')
    if args.epochs:
        cfg.train_cfg.max_epochs = args.epochs
        cfg.param_scheduler[-1].total_epochs = args.epochs
    runner = build_runner(cfg)
    runner.train()
    times['pretrain'] = time.time() - t0

    t0 = stage('4/4 zero-shot evaluation')
    metrics = runner.val()
    times['zero_shot'] = time.time() - t0

    result = dict(
        toyworld=dict(
            preset=summary.get('preset'), classes=len(summary['classes'])),
        teacher=teacher_ckpt,
        metrics=metrics,
        seconds={k: round(v, 1)
                 for k, v in times.items()})
    with open(osp.join(work_dir, 'demo_result.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print('\n=== [demo] done')
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
