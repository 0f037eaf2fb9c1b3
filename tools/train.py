"""Train a model from a config with an mmengine Runner (mmpretrain style).

Example::

    python tools/train.py configs/lgd/lgd_mbv3_in1k.py --work-dir work_dirs/x \
        --cfg-options train_dataloader.batch_size=32

``--smoke`` turns any recipe into a few-iteration run that a CPU runs
(:mod:`lgd_mm.engine.runner.smoke`); without it, settings that cannot run
on this machine are refused before the model is built
(:func:`lgd_mm.engine.runner.check_runnable`).
"""
import argparse

from mmengine.logging import print_log

import lgd_mm  # noqa: F401  (safe checkpoint loading)
from lgd_mm.datasets import (check_config_coco, check_config_seg,
                             check_data_roots)
from lgd_mm.datasets.teacher_store import replay_views_cfg
from lgd_mm.engine.runner.resume import (find_resumable_checkpoint,
                                         verify_resume_checkpoint)
from lgd_mm.engine.runner import apply_smoke, build_runner, check_runnable
from lgd_mm.utils.cli import add_common_args, load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest one in '
        'the work dir when no path is given')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by actual/base batch size (auto_scale_lr)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--seed',
        type=int,
        default=None,
        help='randomness.seed: model init, data order and augmentation '
        '(default: the config\'s; None there draws a random seed that the '
        'log and the checkpoints record)')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='randomness.deterministic (deterministic CUDA kernels)')
    parser.add_argument(
        '--smoke',
        action='store_true',
        help='a short check run of the recipe on this machine: 2 epochs of '
        '3 small batches, no loader workers, fp32 without a GPU, schedules '
        'scaled to fit; its checkpoints and records are marked shortened')
    parser.add_argument(
        '--no-pin-memory', action='store_true', help='pin_memory=False')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='persistent_workers=False')
    parser.add_argument(
        '--teacher-store',
        metavar='DIR',
        help='train from the teacher embeddings stored by '
        'tools/cache_teacher.py (LGD, SEED, KD): the image tower never runs '
        '(docs/teacher_store.md)')
    add_common_args(parser)
    return parser.parse_args()


def merge_train_args(cfg, args):
    if args.seed is not None or args.deterministic:
        randomness = dict(cfg.get('randomness') or {})
        if args.seed is not None:
            randomness['seed'] = args.seed
        if args.deterministic:
            randomness['deterministic'] = True
        cfg.randomness = randomness
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.amp:
        from lgd_mm.engine.amp import amp_optim_wrapper_cfg
        cfg.optim_wrapper = amp_optim_wrapper_cfg(cfg.optim_wrapper)
    if args.resume == 'auto':
        cfg.resume = True
        # the newest intact runner checkpoint: a run killed while saving
        # leaves a truncated file (None: mmengine starts from scratch)
        cfg.load_from = find_resumable_checkpoint(cfg.work_dir)
    elif args.resume is not None:
        verify_resume_checkpoint(args.resume)
        cfg.resume = True
        cfg.load_from = args.resume
    if getattr(args, 'teacher_store', None):
        replay_views_cfg(cfg, store=args.teacher_store)
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise KeyError(f'--auto-scale-lr given but {args.config} has no '
                           '`auto_scale_lr=dict(base_batch_size=...)`')
        cfg.auto_scale_lr.enable = True
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field, None)
        if loader is None:
            continue
        if args.no_pin_memory:
            loader['pin_memory'] = False
        if args.no_persistent_workers:
            loader['persistent_workers'] = False
    return cfg


def main():
    args = parse_args()
    cfg = merge_train_args(load_config(args), args)
    if args.smoke:
        for change in apply_smoke(cfg):
            print_log(f'--smoke: {change}', logger='current')
    check_runnable(cfg)
    loaders = ('train_dataloader', 'val_dataloader')
    check_data_roots(cfg, loaders)
    # transfer data against the config's classes and sizes, before the
    # model is built (docs/reliability.md)
    check_config_coco(cfg, loaders)
    check_config_seg(cfg, loaders)
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    main()
