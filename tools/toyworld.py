"""Generate the ToyWorld dataset (see :mod:`lgd_mm.datasets.toyworld`).

Example::

    python tools/toyworld.py --out data/toyworld --seed 0 --preset default \
        --num-workers 2
"""
import argparse
import os
import time

from lgd_mm.datasets.toyworld import TOYWORLD_PRESETS, generate_toyworld

DEFAULT_WORKERS = min(8, os.cpu_count() or 1)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Render ToyWorld: class folders, COCO json, ADE layout')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument(
        '--preset',
        choices=sorted(TOYWORLD_PRESETS),
        default='default',
        help='dataset size (ci: tiny, for tests)')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=DEFAULT_WORKERS,
        help='render processes (0: in this process); the output does not '
        'depend on it')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args()


def main():
    args = parse_args()
    start = time.perf_counter()
    summary = generate_toyworld(
        args.out,
        seed=args.seed,
        preset=args.preset,
        num_workers=args.num_workers,
        progress=not args.no_progress)
    took = time.perf_counter() - start
    counts = ', '.join(f'{k}={v}' for k, v in summary['counts'].items())
    print(f'ToyWorld v{summary["version"]} (preset={summary["preset"]}, '
          f'seed={summary["seed"]}, {len(summary["classes"])} classes) '
          f'in {args.out}')
    for key, value in summary['layout'].items():
        print(f'  {key}: {value}')
    print(f'  counts: {counts}')
    print(f'  time: {took:.1f} s')


if __name__ == '__main__':
    main()
