"""Evaluate a checkpoint with an mmengine Runner (mmpretrain style).

A pre-training config has no test split: its validation (zero-shot top-1
of the distilled student, with the teacher's for reference) is run
instead. Transfer evaluations have their own configs in
configs/benchmarks (tools/benchmark.py runs them).

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


def use_val_as_test(cfg, config: str) -> bool:
    """Evaluate the val split of a config without a test split (the
    pre-training recipes: zero-shot top-1); returns whether it did.

    Raises:
        SystemExit: Neither split: names the benchmark configs to use.
    """
    if cfg.get('test_dataloader') and cfg.get('test_evaluator'):
        return False
    if not (cfg.get('val_dataloader') and cfg.get('val_evaluator')):
        raise SystemExit(
            f'{config} has neither a test nor a val split to evaluate. For a '
            'pre-trained backbone use a benchmark config, e.g. '
            'configs/benchmarks/classification/'
            'zero-shot_<student>-lgd-pre_clip-rn50_in1k.py or '
            'knn_<student>-ssl-pre_k20-t0.07_in1k.py, or run '
            'tools/benchmark.py CHECKPOINT --suite cls')
    print(f'[test] {config} has no test split: evaluating its val split '
          f'({cfg.val_evaluator.get("type")})')
    cfg.test_dataloader = cfg.val_dataloader
    cfg.test_evaluator = cfg.val_evaluator
    cfg.test_cfg = dict(type='TestLoop')
    return True


def main():
    args = parse_args()
    cfg = load_config(args)
    use_val_as_test(cfg, args.config)
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
