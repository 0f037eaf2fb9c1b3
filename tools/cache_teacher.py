"""Run a config's frozen teacher once over K views of every training image
and store the embeddings (docs/teacher_store.md).

Example::

    python tools/cache_teacher.py configs/lgd/lgd_mbv3_in1k.py \
        --views 10 --out data/teacher_stores/in1k-rn50-k10
    python tools/train.py configs/lgd/lgd_mbv3_in1k.py \
        --teacher-store data/teacher_stores/in1k-rn50-k10

Resumable: rerun the same command after a kill and only the missing shards
are written. Several processes split the shards:
``torchrun --nproc_per_node 8 tools/cache_teacher.py ... --launcher pytorch``.
"""
import argparse
import json

import torch
from mmengine.dist import get_rank, init_dist

import lgd_mm  # noqa: F401  (safe checkpoint loading)
from lgd_mm.datasets.teacher_store import cache_teacher
from lgd_mm.engine.runner.build import init_cpu_distributed
from lgd_mm.utils.cli import add_common_args, load_config


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write the teacher-embedding store of a config')
    parser.add_argument('config', help='distillation config file path')
    parser.add_argument(
        '--views', type=int, required=True, help='views per image (K)')
    parser.add_argument('--out', required=True, help='store folder')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the views (default 0)')
    parser.add_argument(
        '--dtype',
        choices=['fp16', 'fp32'],
        default='fp16',
        help='stored embedding dtype (default fp16: 2 bytes per value)')
    parser.add_argument(
        '--shard-size',
        type=int,
        default=4096,
        help='images per shard file (default 4096)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=None,
        help='views per teacher forward (default: the train batch size)')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=None,
        help='loader workers (default: the train loader\'s)')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    if args.launcher != 'none':
        if torch.cuda.is_available():
            init_dist(args.launcher)
        else:
            init_cpu_distributed(cfg)
    result = cache_teacher(
        cfg,
        args.out,
        num_views=args.views,
        seed=args.seed,
        shard_size=args.shard_size,
        dtype=dict(fp16='float16', fp32='float32')[args.dtype],
        batch_size=args.batch_size,
        num_workers=args.num_workers)
    if get_rank() == 0:
        print(json.dumps(dict(store=args.out, **result)))


if __name__ == '__main__':
    main()
