"""``--smoke``: any training recipe as a few-iteration run that a CPU runs.

A smoke run checks that a config, its data and its weights work together
before a cluster job is spent on them; it is never a result, and its
checkpoints and records say so (``run_protocol.shortened``, see
:mod:`lgd_mm.utils.protocol`). What it changes, and nothing else:

* ``train_cfg``: :data:`SMOKE_EPOCHS` epochs (epoch loops, validating after
  each) or :data:`SMOKE_EPOCHS` x :data:`SMOKE_ITERS` iterations
  (iteration loops);
* ``param_scheduler``: every boundary scaled to the shorter run, so a
  warm-up keeps its share and is followed by the cosine (or step) phase;
* data loaders: batch :data:`SMOKE_BATCH` at most, loading in the main
  process (no workers, no pinned memory), the first ``batch x``
  :data:`SMOKE_ITERS` training images and :data:`SMOKE_EVAL_SAMPLES`
  evaluation images (``indices`` of the innermost dataset);
* ``optim_wrapper``: fp16 ``AmpOptimWrapper`` becomes the fp32
  ``OptimWrapper`` when no GPU is visible;
* a checkpoint every epoch (every :data:`SMOKE_ITERS` iterations) and a
  log line every iteration.

Model, pipeline, losses and hooks stay the recipe's own.
"""
import math
from typing import List

from mmengine.config import Config

from lgd_mm.utils.dataset_chain import dataset_chain
from .prestart import accelerator_available, loop_length, scheduler_list

__all__ = [
    'apply_smoke', 'SMOKE_EPOCHS', 'SMOKE_ITERS', 'SMOKE_BATCH',
    'SMOKE_EVAL_SAMPLES'
]

SMOKE_EPOCHS = 2
SMOKE_ITERS = 3
SMOKE_BATCH = 4
SMOKE_EVAL_SAMPLES = 8

# Dataset types that wrap a ``dataset`` (indices go to the wrapped one).
_WRAPPER_KEYS = ('dataset', )
# Schedule lengths other than begin/end that scale with the run.
_LENGTH_KEYS = ('T_max', 'total_epochs', 'total_steps', 'total_iters')


def _innermost_dataset(dataset: dict) -> dict:
    *_, inner = dataset_chain(dataset)
    return inner


def _shrink_loader(loader: dict, samples: int) -> None:
    loader['batch_size'] = min(int(loader.get('batch_size', 1)), SMOKE_BATCH)
    loader['num_workers'] = 0
    loader['persistent_workers'] = False
    loader['pin_memory'] = False
    loader.pop('prefetch_factor', None)
    dataset = loader.get('dataset')
    if isinstance(dataset, dict):
        _innermost_dataset(dataset)['indices'] = samples


def _scale(value: float, old: float, new: int) -> int:
    return max(1, round(value * new / old))


def _fit_scheduler(sched: dict, old: float, new: int) -> None:
    """Map ``sched``'s boundaries from a run of ``old`` steps to ``new``.

    A boundary inside the run stays inside it (a warm-up never swallows
    the whole run, a later phase keeps at least one step).
    """
    begin = sched.get('begin', 0)
    if begin > 0:
        sched['begin'] = min(new - 1, _scale(begin, old, new))
    end = sched.get('end')
    if end is not None and math.isfinite(end) and end < 1e9:
        sched['end'] = max(
            sched.get('begin', 0) + 1, min(new, _scale(end, old, new)))
    for key in _LENGTH_KEYS:
        if isinstance(sched.get(key), (int, float)):
            sched[key] = min(new, _scale(sched[key], old, new))
    if isinstance(sched.get('milestones'), (list, tuple)):
        sched['milestones'] = sorted(
            {min(new, _scale(m, old, new))
             for m in sched['milestones']})


def apply_smoke(cfg: Config) -> List[str]:
    """Turn ``cfg`` into a smoke run in place (see the module doc).

    Args:
        cfg (Config): A training config, after ``--cfg-options``.

    Returns:
        List[str]: What was changed, one short line each (for the log).
    """
    changes = []
    train_cfg = cfg.get('train_cfg') or {}
    unit, old_len = loop_length(cfg)
    if unit == 'epoch':
        new_len = SMOKE_EPOCHS
        train_cfg['max_epochs'] = new_len
        train_cfg['val_interval'] = 1
        ckpt_interval = 1
    else:
        new_len = SMOKE_EPOCHS * SMOKE_ITERS
        train_cfg['max_iters'] = new_len
        train_cfg['val_interval'] = SMOKE_ITERS
        ckpt_interval = SMOKE_ITERS
    changes.append(f'train_cfg: {old_len} -> {new_len} {unit}s')

    schedulers = scheduler_list(cfg)
    iters_total = SMOKE_EPOCHS * SMOKE_ITERS
    for sched in schedulers:
        if sched.get('by_epoch', True) == (unit == 'epoch'):
            _fit_scheduler(sched, old_len, new_len)
        else:
            # iteration-based warm-up inside an epoch loop: clamp it into
            # the smoke run's iterations
            _fit_scheduler(sched, max(iters_total,
                                      sched.get('end') or 0), iters_total)
    if schedulers:
        changes.append('param_scheduler: boundaries scaled to the run')

    if cfg.get('global_batch_size') is not None:
        cfg.pop('global_batch_size')
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if not isinstance(loader, dict):
            continue
        train = key == 'train_dataloader'
        batch = min(int(loader.get('batch_size', 1)), SMOKE_BATCH)
        _shrink_loader(loader,
                       batch * SMOKE_ITERS if train else SMOKE_EVAL_SAMPLES)
    changes.append(f'data loaders: batch <= {SMOKE_BATCH}, no workers, '
                   f'{SMOKE_ITERS} batches per epoch, '
                   f'{SMOKE_EVAL_SAMPLES} evaluation images')

    wrapper = cfg.get('optim_wrapper') or {}
    if wrapper.get('type') == 'AmpOptimWrapper' and not \
            accelerator_available():
        wrapper['type'] = 'OptimWrapper'
        for key in ('loss_scale', 'dtype', 'use_fsdp'):
            wrapper.pop(key, None)
        changes.append('optim_wrapper: AmpOptimWrapper -> OptimWrapper '
                       '(fp32, no GPU)')

    hooks = cfg.get('default_hooks') or {}
    if isinstance(hooks.get('checkpoint'), dict):
        hooks['checkpoint']['interval'] = ckpt_interval
    if isinstance(hooks.get('logger'), dict):
        hooks['logger']['interval'] = 1
    cfg.smoke = True
    return changes
