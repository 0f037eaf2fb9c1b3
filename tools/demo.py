"""Offline demo on the embedded ToyWorld default (CPU, no downloads).

The whole benchmark pipeline, on generated data, through the same code and
configs as the real ImageNet / COCO / ADE20K runs:

  1. generate ToyWorld (seeded; reused when already there),
  2. train the toy CLIP teacher on ToyWorld captions (cached),
  3. pre-train the same student (ResNet-18 at half width) with LGD, SEED,
     BINGO, DisCo and KD, plus a supervised row (configs/toyworld/, each an
     mmengine Runner as tools/train.py builds it); random init is the floor,
4. transfer every row with tools/benchmark.py: Mask R-CNN (box + mask AP),
     Semantic FPN (mIoU), linear probe, kNN and zero-shot (rows distilled
     into the teacher's space), i.e. the stock configs of
     configs/benchmarks with the ToyWorld fragments and --cfg-options,
  5. write the leaderboard (tools/leaderboard.py: md, csv, png).

Everything lands in one work dir (default work_dirs/demo): data/, teachers/,
pretrain/seed<S>/<row>/ (logs, checkpoints), bench/seed<S>/<row>/ (runs and
JSON records; each finished step leaves a mark that --resume reuses while
its config, seed, options and checkpoint are unchanged),
leaderboard/, demo_result.json (metrics and the time of every stage) and
demo.log (all runner output; the console shows one line per step, each
with the equivalent command line, unless --verbose).

    python tools/demo.py [--work-dir work_dirs/demo] [--preset default|ci]
                         [--seeds 0 1 2] [--det-seg-seeds 1]
                         [--methods LGD SEED ...] [--epochs N] [--resume]
                         [--verbose]
"""
import argparse
import contextlib
import hashlib
import json
import os
import os.path as osp
import shlex
import sys
import time

from mmengine.config import Config

from lgd_mm.benchmark import run as run_benchmark
from lgd_mm.benchmark.leaderboard import make_leaderboard
from lgd_mm.benchmark.tasks import task_config
from lgd_mm.datasets.teacher_store import (cache_teacher, replay_source,
                                           replay_views_cfg, supports_store)
from lgd_mm.datasets.toyworld import generate_toyworld
from lgd_mm.benchmark.toy_teacher import get_toy_teacher
from lgd_mm.engine.runner import build_runner
from lgd_mm.utils.config_paths import config_path
from lgd_mm.utils.fileio import atomic_json_dump
from lgd_mm.utils.protocol import run_protocol

CFG = config_path('toyworld')
#: The demo's student (configs/_base_/students/r18-half.py).
STUDENT = 'r18-half'
_TAIL = 'r18-half_toy-clip_1xb32-coslr-16e_toyworld.py'
#: Row label -> (pre-training config, whether it is distilled into the
#: teacher's space, i.e. gets a zero-shot column). ``None``: the reference
#: config is handed to tools/benchmark.py as is (no pre-training).
ROWS = {
    'LGD': (f'lgd_{_TAIL}', True),
    'SEED': (f'seed_{_TAIL}', True),
    'BINGO': (f'bingo_{_TAIL}', True),
    'DisCo': (f'disco_{_TAIL}', True),
    'KD': (f'kd_{_TAIL}', True),
    'Supervised': ('supervised_r18-half_1xb32-coslr-16e_toyworld.py', False),
    'Random init': (None, False),
}
RANDOM_CFG = osp.join(CFG, 'random_r18-half_toyworld.py')
TRANSFER_TASKS = ('toyworld_mask-rcnn_fpn', 'toyworld_fpn', 'toyworld_linear',
                  'toyworld_knn')
ZERO_SHOT_TASK = 'toyworld_zero_shot'
# the costly tasks, run for the first --det-seg-seeds seeds only
DET_SEG_TASKS = ('toyworld_mask-rcnn_fpn', 'toyworld_fpn')
# --preset ci: the same tasks on a few iterations (CI-sized), data loaded
# in the main process (worker start-up would cost more than the loading)
CI_LOADERS = {
    'toyworld_knn': ('test_dataloader', 'test_cfg.memory_dataloader'),
    'toyworld_zero_shot': ('test_dataloader', ),
}
TRAIN_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_CI_SUBSET = {
    'train_dataloader.dataset.indices': 8,
    'val_dataloader.dataset.indices': 4,
    'test_dataloader.dataset.indices': 4
}
CI_TRANSFER = {
    'toyworld_mask-rcnn_fpn':
    dict(_CI_SUBSET, **{
        'train_cfg.max_epochs': 1,
        'train_cfg.val_interval': 1
    }),
    'toyworld_fpn':
    dict(_CI_SUBSET, **{
        'train_cfg.max_iters': 4,
        'train_cfg.val_interval': 4
    }),
    'toyworld_linear': {
        'train_cfg.max_epochs': 1,
        'train_cfg.val_interval': 1
    },
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument(
        '--preset',
        default='default',
        choices=['default', 'ci'],
        help='ToyWorld size and transfer length; ci is the small one the '
        'tests use')
    parser.add_argument(
        '--methods',
        nargs='+',
        default=list(ROWS),
        choices=list(ROWS),
        metavar='ROW',
        help=f'rows to run (default: all of {list(ROWS)})')
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='override the pre-training epochs (default: the recipe\'s, '
        'configs/toyworld/_base_/toyworld_recipe.py; at least 2: one '
        'warm-up epoch, then cosine)')
    parser.add_argument(
        '--seeds',
        type=int,
        nargs='+',
        default=[0, 1, 2],
        metavar='SEED',
        help='pre-training seeds: every row is pre-trained once per seed and '
        'transferred with the same seed; the leaderboard shows mean ± 95 %% '
        'interval over them (default: 0 1 2, the fewest that support a '
        'claim, docs/benchmarks.md §6; one seed supports none)')
    parser.add_argument(
        '--seed',
        type=int,
        default=None,
        help='one seed: the same as --seeds SEED')
    parser.add_argument(
        '--det-seg-seeds',
        type=int,
        default=1,
        metavar='K',
        help='run detection and segmentation for the first K seeds only '
        '(they cost most; default: 1; 0: none); linear, kNN and zero-shot '
        'run for every seed')
    parser.add_argument(
        '--teacher-store',
        action='store_true',
        help='run the toy teacher once over one view per image and epoch '
        '(tools/cache_teacher.py) and pre-train every distiller row '
        '(LGD, SEED, BINGO, DisCo, KD) from that store instead of running '
        'the teacher every step (docs/teacher_store.md)')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='reuse the pre-training and transfer runs this work dir already '
        'finished with the same inputs (config, seed, options, checkpoint); '
        'runs that did not finish start again from the beginning')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='runner output on the console, not demo.log')
    args = parser.parse_args()
    if args.seed is not None:
        args.seeds = [args.seed]
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f'--seeds repeats a seed: {args.seeds}')
    if args.det_seg_seeds < 0:
        parser.error(f'--det-seg-seeds must be >= 0, got {args.det_seg_seeds}')
    if args.epochs is not None and args.epochs < 2:
        parser.error(f'--epochs must be >= 2 (one warm-up epoch, then '
                     f'cosine), got {args.epochs}')
    return args


class Console:
    """Progress lines on the terminal (and in demo.log) while the runners'
    output goes to demo.log only."""

    def __init__(self):
        self.terminal = sys.stdout
        self.log = None

    def say(self, msg: str) -> None:
        self.terminal.write(msg + '\n')
        self.terminal.flush()
        if self.log is not None and self.log is not self.terminal:
            self.log.write(msg + '\n')
            self.log.flush()


CONSOLE = Console()
say = CONSOLE.say


def stage(name):
    say(f'\n=== [demo] {name}')
    return time.time()


def _as_cli(options: dict) -> list:
    """``--cfg-options`` words of an options dict."""
    return [f'{k}={v}'.replace(' ', '') for k, v in options.items()]


def _dir(row: str) -> str:
    """Folder name of a row (``Random init`` -> ``random_init``)."""
    return row.lower().replace(' ', '_')


def in_process_loading(loaders) -> dict:
    """Options that load data in the main process."""
    return {
        f'{loader}.{key}': value
        for loader in loaders
        for key, value in (('num_workers', 0), ('persistent_workers', False))
    }


def write_store(out, teacher_ckpt, epochs, preset, methods):
    """The toy teacher's store, shared by every distiller row: one view per
    image and epoch (at least the views a DisCo item pairs), so each epoch
    of a stored run sees other crops, as online. The first row writes the
    views; BINGO's config adds its bags (the views are the same)."""
    cfgs = []
    for row in methods:
        if ROWS[row][0] and ROWS[row][1]:  # the distiller rows
            cfg = Config.fromfile(osp.join(CFG, ROWS[row][0]))
            options = {'model.teacher.pretrained': teacher_ckpt}
            if preset == 'ci':
                options.update(in_process_loading(('train_dataloader', )))
            cfg.merge_from_dict(options)
            cfgs.append((row, cfg, options))
    views = max(
        [epochs or cfgs[0][1].train_cfg.max_epochs] +
        [replay_source(cfg.train_dataloader.dataset)[1] for _, cfg, _ in cfgs])
    for n, (row, cfg, options) in enumerate(cfgs):
        if n and not any(
                str(h.get('type')).endswith('BagNeighborsHook')
                for h in cfg.get('custom_hooks') or ()):
            continue
        say(f'[demo] python tools/cache_teacher.py configs/toyworld/'
            f'{ROWS[row][0]} --views {views} --out {out} --cfg-options ' +
            ' '.join(_as_cli(options)))
        result = cache_teacher(cfg, out, num_views=views)
        say(f'[demo] teacher store: {result["views"]} views embedded in '
            f'{result["seconds"]:.1f} s' +
            (f'; BINGO bags from {result["bags"]} in '
             f'{result["bags_seconds"]:.1f} s' if 'bags' in result else ''))
    return out


# a finished step leaves this file next to its outputs; --resume reuses the
# step when its inputs are unchanged and its outputs are still there
FINISHED = 'demo_finished.json'


def _plain(obj):
    """``obj`` as it reads back from JSON, so marks compare equal."""
    return json.loads(json.dumps(obj, default=str, sort_keys=True))


def finished_step(path: str, inputs: dict):
    """The result saved by :func:`mark_finished` at ``path`` when it was
    saved for the same ``inputs`` and all its files still exist; else
    None."""
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            mark = json.load(f)
    except ValueError as e:
        say(f'[demo] {path} is not readable JSON ({e}); running the step '
            'again')
        return None
    if mark.get('inputs') != _plain(inputs):
        return None
    if not all(osp.isfile(p) for p in mark.get('files', [])):
        return None
    return mark.get('result')


def mark_finished(path: str, inputs: dict, result: dict, files: list):
    """Record that the step with ``inputs`` finished with ``result``,
    writing ``files``."""
    atomic_json_dump(
        dict(inputs=_plain(inputs), result=_plain(result), files=files),
        path,
        indent=2)


def _config_digest(cfg: Config) -> str:
    """sha256 of a config's text, bases and overrides merged."""
    return hashlib.sha256(cfg.pretty_text.encode()).hexdigest()


def _file_state(path: str) -> list:
    """Size and modification time: a retrained checkpoint differs."""
    stat = os.stat(path)
    return [stat.st_size, stat.st_mtime_ns]


def pretrain(row,
             cfg_name,
             work_dir,
             teacher_ckpt,
             epochs,
             preset,
             seed,
             store=None,
             resume=False):
    """Pre-train one row through an mmengine Runner; returns the last
    checkpoint, the run's zero-shot / accuracy metrics, its seconds and
    whether it was reused. With ``store``, every distiller row reads the
    teacher from it; with ``resume``, a run this work dir finished with the
    same config is reused."""
    cfg = Config.fromfile(osp.join(CFG, cfg_name))
    options = {}
    if 'teacher' in cfg.model:
        options['model.teacher.pretrained'] = teacher_ckpt
    if epochs:
        last = len(cfg.param_scheduler) - 1
        options.update({
            'train_cfg.max_epochs': epochs,
            'train_cfg.val_interval': epochs,
            f'param_scheduler.{last}.end': epochs,
            'default_hooks.checkpoint.interval': epochs
        })
    if preset == 'ci':
        options.update(
            in_process_loading(('train_dataloader', 'val_dataloader')))
    cfg.merge_from_dict(options)
    cli = ''
    if store and supports_store(cfg.model.get('type', '')):
        replay_views_cfg(cfg, store=store)
        cli = f' --teacher-store {store}'
    cfg.work_dir = work_dir
    cfg.randomness = dict(cfg.get('randomness') or {}, seed=seed)
    # as tools/train.py records it: --epochs marks the run shortened
    cfg.run_protocol = run_protocol(options)
    cli += ' --cfg-options ' + ' '.join(_as_cli(options)) if options else ''
    say(f'[demo] {row}: python tools/train.py configs/toyworld/{cfg_name} '
        f'--work-dir {work_dir} --seed {seed}{cli}')
    mark = osp.join(work_dir, FINISHED)
    inputs = dict(config=_config_digest(cfg), seed=seed)
    done = finished_step(mark, inputs) if resume else None
    if done is not None:
        say(f'[demo] {row} (seed {seed}): reusing {done["checkpoint"]} '
            '(--resume)')
        return done['checkpoint'], done['metrics'], done['seconds'], True
    start = time.time()
    runner = build_runner(cfg)
    runner.train()
    ckpt = osp.join(work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'{row}: no checkpoint {ckpt} after training')
    # the final validation (zero-shot for distillers, accuracy for the
    # supervised row), as the logger hook recorded it
    metrics = {
        k[len('val/'):]: round(float(v.current()), 2)
        for k, v in runner.message_hub.log_scalars.items()
        if k.startswith('val/')
    }
    seconds = round(time.time() - start, 1)
    mark_finished(mark, inputs,
                  dict(checkpoint=ckpt, metrics=metrics, seconds=seconds),
                  [ckpt])
    return ckpt, metrics, seconds, False


def transfer(row,
             ckpt,
             tasks,
             bench_dir,
             preset,
             pretrain_label,
             seed,
             resume=False):
    """``lgd_mm.benchmark.run`` (what tools/benchmark.py calls) for one row,
    one call per task (each has its own CI settings); returns the record
    paths. With ``resume``, a task this work dir finished for the same
    checkpoint file and options is reused."""
    written = []
    for task in tasks:
        options = {}
        if preset == 'ci':
            options.update(CI_TRANSFER.get(task, {}))
            options.update(
                in_process_loading(CI_LOADERS.get(task, TRAIN_LOADERS)))
        argv = [
            ckpt, '--tasks', task, '--method', row, '--student', STUDENT,
            '--pretrain', pretrain_label, '--work-dir', bench_dir, '--seed',
            str(seed)
        ] + (['--cfg-options'] + _as_cli(options) if options else [])
        say('[demo] python tools/benchmark.py ' + shlex.join(argv))
        mark = osp.join(bench_dir, 'demo_runs', f'{task}.json')
        inputs = dict(
            argv=argv,
            checkpoint=_file_state(ckpt),
            config=_config_digest(Config.fromfile(task_config(task, STUDENT))))
        done = finished_step(mark, inputs) if resume else None
        if done is not None:
            say(f'[demo] {row} / {task}: reusing {len(done["records"])} '
                'record(s) (--resume)')
            written += done['records']
            continue
        start = time.time()
        records = run_benchmark(
            ckpt,
            tasks=[task],
            student=STUDENT,
            method=row,
            work_dir=bench_dir,
            pretrain=pretrain_label,
            seed=seed,
            cfg_options=options)
        written += records
        mark_finished(mark, inputs, dict(records=records), records)
        say(f'[demo] {row} / {task}: {time.time() - start:.1f} s')
    return written


def run(args, work_dir):
    times, rows = {}, {}
    start_all = time.time()

    t0 = stage('1/5 ToyWorld data')
    data_root = osp.join(work_dir, 'data', 'toyworld')
    summary = generate_toyworld(data_root, seed=0, preset=args.preset)
    # every ToyWorld config reads its data from here
    os.environ['TOYWORLD_ROOT'] = data_root
    times['data'] = time.time() - t0

    t0 = stage('2/5 toy CLIP teacher')
    teacher_ckpt = get_toy_teacher(data_root, osp.join(work_dir, 'teachers'))
    times['teacher'] = time.time() - t0
    store = None
    if args.teacher_store:
        t0 = stage('2/5 teacher store')
        store = write_store(
            osp.join(work_dir, 'teacher_store'), teacher_ckpt, args.epochs,
            args.preset, args.methods)
        times['teacher_store'] = time.time() - t0

    epochs = args.epochs or Config.fromfile(
        osp.join(CFG, '_base_', 'toyworld_recipe.py')).epochs
    pretrain_label = f'ToyWorld {epochs}e'
    t0 = stage('3/5 pre-training ({})'.format(', '.join(r for r in args.methods
                                                        if ROWS[r][0])))
    for seed in args.seeds:
        for row in args.methods:
            cfg_name, _ = ROWS[row]
            if cfg_name is None:
                continue
            ckpt, metrics, seconds, reused = pretrain(
                row, cfg_name,
                osp.join(work_dir, 'pretrain', f'seed{seed}',
                         _dir(row)), teacher_ckpt, args.epochs, args.preset,
                seed, store, args.resume)
            rows.setdefault(row, {}).setdefault('seeds', {})[seed] = dict(
                checkpoint=ckpt,
                pretrain_metrics=metrics,
                pretrain_seconds=seconds,
                pretrain_reused=reused)
            say(f'[demo] {row} (seed {seed}) pre-trained in {seconds:.1f} s'
                f'{" (reused)" if reused else ""}: {json.dumps(metrics)}')
    times['pretrain'] = time.time() - t0

    t0 = stage('4/5 transfer (tools/benchmark.py)')
    bench_root = osp.join(work_dir, 'bench')
    for index, seed in enumerate(args.seeds):
        for row in args.methods:
            cfg_name, zero_shot = ROWS[row]
            start = time.time()
            runs = rows.setdefault(row, {}).setdefault('seeds', {})
            ckpt = runs[seed]['checkpoint'] if cfg_name else RANDOM_CFG
            tasks = [
                t for t in TRANSFER_TASKS
                if t not in DET_SEG_TASKS or index < args.det_seg_seeds
            ] + ([ZERO_SHOT_TASK] if zero_shot else [])
            label = pretrain_label if cfg_name else '-'
            records = transfer(row, ckpt, tasks,
                               osp.join(bench_root, f'seed{seed}', _dir(row)),
                               args.preset, label, seed, args.resume)
            runs.setdefault(seed, {}).update(
                records=records,
                transfer_seconds=round(time.time() - start, 1))
    times['transfer'] = time.time() - t0

    t0 = stage('5/5 leaderboard (tools/leaderboard.py)')
    board_dir = osp.join(work_dir, 'leaderboard')
    # the ci preset shortens the transfer runs: its rows are checks,
    # shown labelled
    shortened = args.preset == 'ci'
    say(f'[demo] python tools/leaderboard.py {bench_root} --out '
        f'{board_dir}' + (' --include-shortened' if shortened else ''))
    board = make_leaderboard([bench_root],
                             board_dir,
                             include_shortened=shortened,
                             title='ToyWorld demo (ResNet-18 at half width, '
                             f'toy CLIP teacher, {summary.get("preset")} '
                             'preset)')
    times['leaderboard'] = time.time() - t0
    times['total'] = time.time() - start_all

    result = dict(
        toyworld=dict(
            preset=summary.get('preset'), classes=len(summary['classes'])),
        teacher=teacher_ckpt,
        rows=rows,
        leaderboard={k: board[k]
                     for k in ('md', 'csv', 'png', 'plotted')},
        seconds={
            k: round(v, 1)
            for k, v in times.items()
        })
    atomic_json_dump(result, osp.join(work_dir, 'demo_result.json'), indent=2)
    say('\n=== [demo] done: ' + ', '.join(f'{k} {v:.0f} s'
                                          for k, v in times.items()))
    with open(board['md'], encoding='utf-8') as f:
        say(f.read())
    say(f'leaderboard: {board["md"]}, {board["csv"]}, {board["png"]}')


def main():
    args = parse_args()
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    log_path = osp.join(work_dir, 'demo.log')
    if args.verbose:
        run(args, work_dir)
        return
    # the runners' loggers bind sys.stdout when built: keep the file open
    # for the whole process
    CONSOLE.log = open(log_path, 'a', buffering=1, encoding='utf-8')
    say(f'[demo] runner output: {log_path}')
    try:
        with contextlib.redirect_stdout(CONSOLE.log), \
                contextlib.redirect_stderr(CONSOLE.log):
            run(args, work_dir)
    except BaseException:
        CONSOLE.log.flush()
        with open(log_path, encoding='utf-8') as f:
            tail = f.readlines()[-40:]
        CONSOLE.terminal.write(''.join(tail))
        say(f'[demo] failed; the full output is in {log_path}')
        raise


if __name__ == '__main__':
    main()
