"""Benchmark one pre-trained backbone on downstream tasks; write records.

For each task (or each task of a suite) the checkpoint's backbone is
exported (``tools/extract_backbone.py``; with the projector for zero-shot),
plugged into the task's config from configs/benchmarks, run through
mmengine Runners, and the final metrics are written as one JSON record per
(method, student, task) (``lgd_mm.benchmark.BenchmarkRecord``).

Examples::

    # one GPU / CPU, in this process
    python tools/benchmark.py work_dirs/lgd_r18/epoch_200.pth --suite det
    # 8 GPUs through tools/dist_train.sh
    python tools/benchmark.py CKPT --tasks ade20k_upernet_160k \\
        --launcher pytorch --gpus 8
    # slurm
    python tools/benchmark.py CKPT --suite all --launcher slurm \\
        --partition gpu --gpus 16
    # overrides reach every task's config
    python tools/benchmark.py CKPT --tasks in1k_knn \\
        --cfg-options test_dataloader.batch_size=64
"""
import argparse
import json
import os
import os.path as osp
import time

from mmengine.config import Config, DictAction

import lgd_mm  # noqa: F401  (safe checkpoint loading)
from lgd_mm.benchmark.extract import (EXPORT_FORMAT, extract_backbone,
                                      save_payload)
from lgd_mm.benchmark.reference import export_reference, is_reference_config
from lgd_mm.benchmark.runner import (SUITES, TASKS, backbone_complexity,
                                     head_options, make_record, prepare_config,
                                     resolve_tasks, run_task)
from lgd_mm.datasets.coco_check import check_config_coco


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
        choices=['r18', 'mbv2', 'mbv3-l', 'effb0'],
        help='student id (default: inferred from the weights)')
    parser.add_argument(
        '--method',
        help='record row label (default: the checkpoint '
        'algorithm, e.g. LGD)')
    parser.add_argument(
        '--work-dir',
        help='default: work_dirs/benchmark/'
        '<method>_<student>')
    parser.add_argument(
        '--out-dir', help='record folder (default: '
        '<work-dir>/records)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm'],
        default='none',
        help='none: Runner in this process; pytorch: tools/dist_train.sh; '
        'slurm: tools/slurm_train.sh')
    parser.add_argument(
        '--gpus',
        type=int,
        default=1,
        help='processes for pytorch/slurm launches')
    parser.add_argument('--partition', help='slurm partition')
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


def export(args, work_dir, keep_head, cache):
    """The backbone file a task loads (extracted once per variant)."""
    if keep_head not in cache:
        name = 'backbone_head.pth' if keep_head else 'backbone.pth'
        out = osp.join(work_dir, 'pretrained', name)
        payload = extract_backbone(
            args.checkpoint, out, keep_head=keep_head, method=args.method)
        cache[keep_head] = (osp.abspath(out), payload)
    return cache[keep_head]


def pretrain_label(meta: dict):
    """Leaderboard pre-training label recorded in (or implied by) a
    backbone export: its ``pretrain`` entry, else ``<epoch>e``."""
    if meta.get('pretrain'):
        return meta['pretrain']
    return f'{meta["epoch"]}e' if meta.get('epoch') else None


def overrides(args) -> list:
    """``--override`` files, then ``--cfg-options``, applied in order (one
    by one, so ``_delete_`` in a file still replaces task settings)."""
    return [Config.fromfile(p).to_dict()
            for p in args.override] + [args.cfg_options]


def run_one(args, task, student, method, work_dir, exports, options):
    """Prepare, run and record one task; returns the record (or None for
    ``--dry-run``)."""
    spec = TASKS[task]
    ckpt, payload = export(args, work_dir, spec['needs_head'], exports)
    # zero-shot: projector widths and teacher follow the checkpoint; the
    # user's overrides still come last
    head = [head_options(payload)] if spec['needs_head'] else []
    cfg = prepare_config(
        task,
        student,
        ckpt,
        osp.join(work_dir, task),
        single_process=args.launcher == 'none' or args.gpus == 1,
        seed=args.seed,
        cfg_options=head + options)
    if args.dry_run:
        os.makedirs(cfg.work_dir, exist_ok=True)
        cfg.dump(osp.join(cfg.work_dir, 'benchmark_config.py'))
        print(f'[benchmark] {task}: config in {cfg.work_dir}')
        return None
    shape = spec['input_shape']
    if args.input_shape:
        shape = (3, ) + tuple((args.input_shape * 2)[:2])
    print(
        f'[benchmark] {task} ({student}, {method}) -> {cfg.work_dir}',
        flush=True)
    start = time.time()
    # COCO boxes outside images / mismatched masks: fail now, not after
    # training with silently wrong numbers
    check_config_coco(
        cfg, ('test_dataloader', ) if spec['kind'] == 'test' else
        ('train_dataloader', 'val_dataloader'))
    raw = run_task(cfg, spec['kind'], args.launcher, args.gpus, args.partition,
                   f'bench_{task}')
    return make_record(
        task,
        student,
        raw,
        cfg,
        payload['meta'],
        method=args.method,
        gpus=args.gpus if args.launcher != 'none' else 1,
        complexity=backbone_complexity(cfg, shape),
        extra=dict(
            pretrain=args.pretrain or pretrain_label(payload['meta']),
            checkpoint=osp.abspath(args.checkpoint),
            launcher=args.launcher,
            seconds=round(time.time() - start, 1),
            flops_input=list(shape),
            export_format=EXPORT_FORMAT))


def main(argv=None):
    """Run the tasks; returns the paths of the records written."""
    args = parse_args(argv)
    tasks = resolve_tasks(args.tasks, args.suite)
    options = overrides(args)
    reference = is_reference_config(args.checkpoint)
    # student and method decide the work dir, so read them first
    payload = export_reference(args.checkpoint, seed=args.seed) \
        if reference else extract_backbone(args.checkpoint, None,
                                           method=args.method)
    base = payload['meta']
    student = args.student or base.get('arch')
    if student is None:
        raise SystemExit('cannot tell the student from the weights; pass '
                         '--student')
    method = args.method or base.get('algorithm') or 'unknown'
    work_dir = args.work_dir or osp.join('work_dirs', 'benchmark',
                                         f'{method}_{student}')
    if reference:
        # the row's weights as a file, benchmarked like any export
        args.checkpoint = osp.join(work_dir, 'pretrained', 'reference.pth')
        save_payload(payload, args.checkpoint)
    out_dir = args.out_dir or osp.join(work_dir, 'records')
    exports, written = {}, []
    for task in tasks:
        record = run_one(args, task, student, method, work_dir, exports,
                         options)
        if record is not None:
            written.append(record.dump(out_dir))
            print(
                f'[benchmark] {task}: {json.dumps(record.metrics)} -> '
                f'{written[-1]}',
                flush=True)
    return written


if __name__ == '__main__':
    main()
