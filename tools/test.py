"""Evaluate a checkpoint with an mmengine Runner (mmpretrain style).

Example::

    python tools/test.py CONFIG CHECKPOINT --work-dir work_dirs/eval
"""
import argparse

import lgd_mm  # noqa: F401  (safe checkpoint loading)
from lgd_mm.datasets.data_root_check import check_data_roots
from lgd_mm.engine.runner import build_runner
from lgd_mm.utils.cli import add_common_args, load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='dump the metrics (.json/.yaml/.pkl) or, for .pkl, the '
        'predictions to this file')
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        default='metrics',
        help='what --out holds')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.out and args.out_item == 'pred':
        cfg.test_evaluator = [cfg.test_evaluator] if isinstance(
            cfg.test_evaluator, dict) else list(cfg.test_evaluator)
        cfg.test_evaluator.append(
            dict(type='DumpResults', out_file_path=args.out))
    check_data_roots(cfg, ('test_dataloader', ))
    runner = build_runner(cfg)
    metrics = runner.test()
    if args.out and args.out_item == 'metrics':
        import mmengine
        mmengine.dump(metrics, args.out)


if __name__ == '__main__':
    main()
