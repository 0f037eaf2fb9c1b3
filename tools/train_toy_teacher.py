"""Train the toy CLIP teacher of the offline default on ToyWorld.

A thin wrapper of :mod:`lgd_mm.benchmark.toy_teacher`: an mmengine Runner
trains the open_clip model ``lgd-toy-rn`` contrastively on the ToyWorld
class-folder images and captions (config
``configs/toyworld/toy-clip_rn_1xb64-coslr-10e_toyworld.py``), the result is
saved as an open_clip checkpoint and its zero-shot top-1 on val is reported
through the Textual Semantics Bank with the 80 OpenAI templates. A JSON
sidecar (``<out stem>.json``) records the settings, losses, time and
accuracy.

Example::

    python tools/toyworld.py --out data/toyworld --preset default
    python tools/train_toy_teacher.py --data-root data/toyworld \
        --out work_dirs/toy_teacher/lgd-toy-rn.pt

The same training with the generic tools, then the export::

    TOYWORLD_ROOT=data/toyworld python tools/train.py \
        configs/toyworld/toy-clip_rn_1xb64-coslr-10e_toyworld.py \
        --work-dir work_dirs/toy_clip
    python tools/train_toy_teacher.py --data-root data/toyworld \
        --export work_dirs/toy_clip/epoch_10.pth \
        --out work_dirs/toy_teacher/lgd-toy-rn.pt

Use the checkpoint with ``model.teacher = dict(model_name='lgd-toy-rn',
pretrained=<out>)``. Without ``--out`` the teacher goes to the cache folder
(``--cache-dir``) and an existing one for the same data and settings is
reused.
"""
import argparse
import json
import os
import os.path as osp

os.environ.setdefault('HF_HUB_OFFLINE', '1')

from lgd_mm.benchmark.toy_teacher import (  # noqa: E402
    TOY_CLIP_DEFAULTS, build_toy_teacher, export_toy_clip, get_toy_teacher,
    sidecar_path, toy_clip_zero_shot)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Train the toy CLIP teacher on ToyWorld')
    parser.add_argument(
        '--data-root', required=True, help='ToyWorld root (toyworld.json)')
    parser.add_argument(
        '--out', help='checkpoint file to write (always retrains)')
    parser.add_argument(
        '--cache-dir',
        default=osp.expanduser('~/.cache/lgd_mm/toy_teachers'),
        help='cache folder used when --out is not given')
    parser.add_argument(
        '--epochs', type=int, default=TOY_CLIP_DEFAULTS['epochs'])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--batch-size', type=int, default=TOY_CLIP_DEFAULTS['batch_size'])
    parser.add_argument('--lr', type=float, default=TOY_CLIP_DEFAULTS['lr'])
    parser.add_argument(
        '--export',
        metavar='CHECKPOINT',
        help='instead of training, write the open_clip checkpoint of a '
        'tools/train.py checkpoint of the toy CLIP config to --out')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch CPU threads (default: the CPUs this process may use)')
    return parser.parse_args()


def main():
    args = parse_args()
    if args.export:
        if not args.out:
            raise SystemExit('--export needs --out')
        path = export_toy_clip(args.export, args.out)
        top1 = toy_clip_zero_shot(path, args.data_root, 'val')
        print(f'checkpoint: {path}')
        print(f'zero-shot top-1 on val: {top1:.2f} %')
        return
    cfg = dict(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr)
    if args.threads:
        cfg['num_threads'] = args.threads
    if args.out:
        build_toy_teacher(args.data_root, args.out, seed=args.seed, **cfg)
        path = args.out
    else:
        path = get_toy_teacher(
            args.data_root, args.cache_dir, seed=args.seed, **cfg)
    with open(sidecar_path(path), encoding='utf-8') as f:
        meta = json.load(f)
    print(f'checkpoint: {path}')
    print(f'zero-shot top-1 on val: {meta["zero_shot_val_top1"]:.2f} % | '
          f'training time: {meta["train_time_s"]:.1f} s '
          f'({meta["num_threads"]} threads)')


if __name__ == '__main__':
    main()
