"""Leaderboard of benchmark records: Markdown table, CSV and PNG plot.

Reads the JSON records that ``tools/benchmark.py`` writes (searched
recursively under each WORK_DIR) and, with ``--reported``, the paper numbers
of the configs' metafiles; writes ``leaderboard.{md,csv,png}`` into
``--out``. See :mod:`lgd_mm.benchmark.leaderboard` for the layout.

Examples::

    python tools/leaderboard.py work_dirs/bench_lgd work_dirs/bench_seed \
        --out work_dirs/leaderboard --reported configs
    python tools/leaderboard.py work_dirs/demo --out work_dirs/demo/board \
        --metric top1 --x flops_g
"""
import argparse

from lgd_mm.benchmark.leaderboard import make_leaderboard


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write a leaderboard (md, csv, png) from benchmark '
        'records')
    parser.add_argument(
        'work_dirs',
        nargs='+',
        metavar='WORK_DIR',
        help='folders (searched recursively) or record files')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--reported',
        nargs='*',
        default=[],
        metavar='PATH',
        help='metafile.yml files or folders holding them (e.g. configs) '
        'for the rows reported by papers')
    parser.add_argument(
        '--metric',
        default=None,
        help='plotted metric: METRIC (e.g. box_AP) or TASK:METRIC '
        '(e.g. in1k_linear:top1); default: the first of box_AP, mIoU, '
        'mask_AP, top1 with a point to plot')
    parser.add_argument(
        '--x',
        default='params_m',
        choices=['params_m', 'flops_g'],
        help='plot x axis: backbone parameters or FLOPs')
    parser.add_argument(
        '--title', default='Leaderboard', help='Markdown title')
    parser.add_argument(
        '--include-shortened',
        action='store_true',
        help='also show records of shortened runs (--smoke, fewer epochs, '
        'a data subset), as separate rows labelled "shortened run"')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        out = make_leaderboard(
            args.work_dirs,
            args.out,
            reported=args.reported,
            metric=args.metric,
            x=args.x,
            title=args.title,
            include_shortened=args.include_shortened)
    except (FileNotFoundError, ValueError) as e:
        # bad input, not a bug: one line instead of a traceback
        raise SystemExit(f'leaderboard: {e}')
    for key in ('md', 'csv', 'png'):
        print(f'{key}: {out[key]}')
    print(f'plotted: {out["plotted"] or "nothing (no result with a size)"}')


if __name__ == '__main__':
    main()
