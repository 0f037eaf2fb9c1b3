"""Benchmark one pre-trained backbone on downstream tasks; write records.

A command line over :func:`lgd_mm.benchmark.run`: for each task (or each
task of a suite, ``configs/benchmarks/tasks.yml``) the checkpoint's backbone
is exported (with the projector for zero-shot), plugged into the task's
config, run through mmengine Runners, and the final metrics are written as
one JSON record per (method, student, task).

Examples::

    # one GPU / CPU
    python tools/benchmark.py work_dirs/lgd_r18/epoch_200.pth --suite det
    # 8 GPUs (torchrun) / slurm: the scripts start one process per rank
    bash tools/dist_benchmark.sh CKPT 8 --tasks ade20k_upernet_160k
    GPUS=16 bash tools/slurm_benchmark.sh PARTITION JOB CKPT --suite all
    # overrides reach every task's config
    python tools/benchmark.py CKPT --tasks in1k_knn \\
        --cfg-options test_dataloader.batch_size=64
"""
import argparse

from mmengine.config import DictAction

from lgd_mm.benchmark import SUITES, TASKS, run
from lgd_mm.benchmark.students import student_ids


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'checkpoint',
        help='pre-training checkpoint (lgd_mm/mmengine, official LGD, '
        'torchvision), a file from tools/extract_backbone.py, or a '
        'reference config (configs/reference/*.py: random init / '
        'supervised rows)')
    parser.add_argument(
        '--tasks', nargs='+', default=[], help=f'task ids: {", ".join(TASKS)}')
    parser.add_argument(
        '--suite', choices=sorted(SUITES), help='a named group of tasks')
    parser.add_argument(
        '--student',
        choices=student_ids(),
        help='student id (default: inferred from the weights)')
    parser.add_argument(
        '--method',
        help='record row label (default: the checkpoint algorithm, e.g. LGD)')
    parser.add_argument(
        '--work-dir', help='default: work_dirs/benchmark/<method>_<student>')
    parser.add_argument(
        '--out-dir', help='record folder (default: <work-dir>/records)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='none: one process; otherwise the launcher that started this '
        'process as one rank (tools/dist_benchmark.sh, slurm_benchmark.sh)')
    parser.add_argument(
        '--pretrain',
        help='pre-training label of the leaderboard row, e.g. '
        '"IN-1k 200e" (default: from the checkpoint)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--input-shape',
        type=int,
        nargs='+',
        help='H [W] for the FLOPs count (default: the task input size)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='overrides for every task config, e.g. '
        'train_dataloader.batch_size=8')
    parser.add_argument(
        '--override',
        nargs='+',
        default=[],
        metavar='FILE',
        help='config fragment(s) merged into every task config before '
        '--cfg-options, e.g. to point the tasks at another data set')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='prepare and dump configs, do not run')
    return parser.parse_args(argv)


def main(argv=None):
    """Run the tasks; returns the paths of the records written."""
    args = parse_args(argv)
    return run(
        args.checkpoint,
        tasks=args.tasks,
        suite=args.suite,
        student=args.student,
        method=args.method,
        work_dir=args.work_dir,
        out_dir=args.out_dir,
        launcher=args.launcher,
        seed=args.seed,
        pretrain=args.pretrain,
        input_shape=args.input_shape,
        override_files=args.override,
        cfg_options=args.cfg_options,
        dry_run=args.dry_run)


if __name__ == '__main__':
    main()
