"""Speed benchmark of LGD pre-training: one command, a table and a JSON.

Sections (all by default):

* ``steps``: train-step breakdown (teacher forward, student forward,
  backward, LGD-specific work, optimizer, data preprocessing) of every
  student with the CLIP RN50 teacher (random init, no download), for the
  lgd_mm speed variants and the plain-PyTorch row written the way the
  original implementation does it; images/s and peak memory.
* ``lgka``: the vectorised LGKA update against the per-class loop.
* ``data``: train pipeline images/s per dataloader worker for each JPEG
  decode backend.
* ``checkpoint``: checkpoint size with and without the CLIP model.
* ``store``: train steps with the teacher online vs read from a teacher
  store, the one-off teacher pass, store size, and the replaying loader
  (docs/teacher_store.md). Not in the default set.

Examples::

    python tools/benchmark_speed.py                      # everything
    python tools/benchmark_speed.py --quick              # a few minutes
    python tools/benchmark_speed.py --sections lgka --lgka-threads 2
    python tools/benchmark_speed.py --device cuda --batch-size 256

Writes ``<out>.json`` and ``<out>.md`` (default
``work_dirs/benchmark_speed/speed``), updated after every section.
"""
import argparse
import json
import os
import os.path as osp
import time

import torch

from lgd_mm.benchmark.speed.timing import machine_info

SECTIONS = ('lgka', 'data', 'checkpoint', 'steps', 'store')
#: Run when --sections is not given (``store`` is asked for by name).
DEFAULT_SECTIONS = ('lgka', 'data', 'checkpoint', 'steps')


def parse_args(argv=None):
    from lgd_mm.benchmark.speed.lgka import LGKA_BATCHES, LGKA_CLASSES
    from lgd_mm.benchmark.speed.steps import speed_students
    from lgd_mm.benchmark.speed.train_step import VARIANTS
    parser = argparse.ArgumentParser(
        description='LGD pre-training speed benchmark')
    parser.add_argument(
        '--sections',
        nargs='+',
        choices=SECTIONS,
        default=list(DEFAULT_SECTIONS))
    parser.add_argument(
        '--quick',
        action='store_true',
        help='R18 only, batch 32, 2 steps, fewer LGKA '
        'cases and images')
    parser.add_argument(
        '--device',
        default=None,
        help='cpu or cuda (default: cuda if available)')
    parser.add_argument(
        '--out',
        default='work_dirs/benchmark_speed/speed',
        help='output path without extension')
    group = parser.add_argument_group('train steps')
    group.add_argument(
        '--students', nargs='+', choices=speed_students(), default=None)
    group.add_argument(
        '--variants', nargs='+', choices=list(VARIANTS), default=None)
    group.add_argument(
        '--compile',
        action='store_true',
        help='add the fastest variant with train_step under '
        'torch.compile (minutes of compilation on a CPU; '
        'use --warmup 2)')
    group.add_argument(
        '--no-plain',
        action='store_true',
        help='skip the plain-PyTorch reference row')
    group.add_argument('--teacher', default='RN50-quickgelu')
    group.add_argument('--num-classes', type=int, default=1000)
    group.add_argument('--batch-size', type=int, default=None)
    group.add_argument('--image-size', type=int, default=224)
    group.add_argument('--iters', type=int, default=None)
    group.add_argument('--warmup', type=int, default=1)
    group.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch threads (default: all cores)')
    group = parser.add_argument_group('teacher store')
    group.add_argument(
        '--store-variant',
        choices=list(VARIANTS),
        default=None,
        help='step variant of the online/stored pair (default: fp32 on '
        'CPU, cl+half_teacher+amp on CUDA)')
    group.add_argument('--store-images', type=int, default=32)
    group.add_argument('--store-views', type=int, default=2)
    group.add_argument(
        '--store-workers',
        type=int,
        default=1,
        help='loader workers of the teacher pass')
    group = parser.add_argument_group('LGKA update')
    group.add_argument('--lgka-classes', nargs='+', type=int, default=None)
    group.add_argument('--lgka-batches', nargs='+', type=int, default=None)
    group.add_argument('--lgka-dim', type=int, default=1024)
    group.add_argument('--lgka-threads', type=int, default=1)
    group.add_argument(
        '--lgka-repeats',
        type=int,
        default=7,
        help='timed rounds of the vectorised update (the '
        'fastest counts)')
    group.add_argument(
        '--lgka-loop-repeats',
        type=int,
        default=5,
        help='timed rounds of the per-class loop')
    group = parser.add_argument_group('data pipeline')
    group.add_argument('--data-images', type=int, default=None)
    group.add_argument('--data-backends', nargs='+', default=None)
    group.add_argument(
        '--loader-workers',
        nargs='*',
        type=int,
        default=[1, 2],
        help='num_workers of the dataloader rows (none: '
        'skip them)')
    args = parser.parse_args(argv)

    quick = args.quick
    defaults = dict(
        students=['r18'] if quick else speed_students(),
        variants=list(VARIANTS),
        batch_size=32 if quick else 64,
        iters=2 if quick else 3,
        lgka_classes=[19, 1000, 21843] if quick else list(LGKA_CLASSES),
        lgka_batches=[256, 2048] if quick else list(LGKA_BATCHES),
        data_images=50 if quick else 200)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def _save(result: dict, out: str) -> None:
    from lgd_mm.benchmark.speed.report import markdown_report
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out + '.json', 'w') as f:
        json.dump(result, f, indent=2)
    with open(out + '.md', 'w') as f:
        f.write(markdown_report(result))


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = torch.device(
        args.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    if args.threads:
        torch.set_num_threads(args.threads)
    result = dict(machine=machine_info(device), args=vars(args))
    started = time.time()
    for section in SECTIONS:  # fixed order: cheap sections first
        if section not in args.sections:
            continue
        print(f'[benchmark_speed] {section} ...', flush=True)
        if section == 'lgka':
            from lgd_mm.benchmark.speed.lgka import bench_lgka
            result['lgka'] = bench_lgka(
                args.lgka_classes,
                args.lgka_batches,
                args.lgka_dim,
                repeats=args.lgka_repeats,
                loop_repeats=args.lgka_loop_repeats,
                threads=args.lgka_threads,
                device=device)
        elif section == 'data':
            from lgd_mm.benchmark.speed.data import (DECODE_BACKENDS,
                                                     bench_data)
            result['data'] = bench_data(
                args.data_images,
                decode_backends=args.data_backends or DECODE_BACKENDS,
                loader_workers=args.loader_workers)
        elif section == 'checkpoint':
            from lgd_mm.benchmark.speed.train_step import checkpoint_sizes
            result['checkpoint'] = dict(
                student=args.students[0],
                **checkpoint_sizes(args.students[0], args.teacher,
                                   args.num_classes))
        elif section == 'steps':
            from lgd_mm.benchmark.speed.steps import bench_steps
            from lgd_mm.benchmark.speed.train_step import COMPILED_VARIANT
            variants = list(args.variants) + (
                list(COMPILED_VARIANT) if args.compile else [])
            result['steps'] = bench_steps(
                args.students,
                variants,
                args.batch_size,
                args.image_size,
                args.iters,
                args.warmup,
                args.teacher,
                args.num_classes,
                plain=not args.no_plain,
                device=device)
        elif section == 'store':
            from lgd_mm.benchmark.speed.store import bench_store
            variant = args.store_variant or ('cl+half_teacher+amp' if
                                             device.type == 'cuda' else 'fp32')
            result['store'] = bench_store(
                args.students,
                variant,
                args.batch_size,
                args.image_size,
                args.iters,
                args.warmup,
                args.teacher,
                args.num_classes,
                num_images=args.store_images,
                num_views=args.store_views,
                loader_workers=args.loader_workers,
                store_workers=args.store_workers,
                device=device)
        result['seconds'] = round(time.time() - started, 1)
        if hasattr(os, 'getloadavg'):
            result['machine']['loadavg_end'] = [
                round(v, 2) for v in os.getloadavg()
            ]
        _save(result, args.out)
    from lgd_mm.benchmark.speed.report import markdown_report
    print(markdown_report(result))
    print(f'[benchmark_speed] wrote {args.out}.json and {args.out}.md')
    return result


if __name__ == '__main__':
    main()
