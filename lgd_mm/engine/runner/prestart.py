"""Checks of a training config against this machine, before the model is
built.

Each finds a setting that would otherwise fail minutes into the run with
a library's own message (mmengine's AMP assert, torch's worker options, a
scheduler that ends before it begins) and names the setting and its fix.
"""
from typing import List, Tuple

from mmengine.config import Config

__all__ = [
    'accelerator_available', 'loop_length', 'check_runnable', 'PrestartError'
]

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_SMOKE_HINT = ('For a short check run on this machine, add --smoke to '
               'tools/train.py.')


class PrestartError(ValueError):
    """A training config that cannot run here (raised before building)."""


def accelerator_available() -> bool:
    """Whether mmengine's fp16 ``AmpOptimWrapper`` can run here."""
    from mmengine.device import (is_cuda_available, is_mlu_available,
                                 is_npu_available)
    return is_cuda_available() or is_npu_available() or is_mlu_available()


def loop_length(cfg: Config) -> Tuple[str, float]:
    """``('epoch', max_epochs)`` or ``('iter', max_iters)`` of the run."""
    train_cfg = cfg.get('train_cfg') or {}
    if 'max_iters' in train_cfg and 'max_epochs' not in train_cfg:
        return 'iter', train_cfg['max_iters']
    return 'epoch', train_cfg.get('max_epochs', 1)


def scheduler_list(cfg: Config) -> list:
    """The config's ``param_scheduler`` entries as a list (mmengine takes
    one dict or a list); the dicts are the config's own, not copies."""
    schedulers = cfg.get('param_scheduler') or []
    return [schedulers] if isinstance(schedulers, dict) else list(schedulers)


def _scheduler_problems(cfg: Config) -> List[str]:
    unit, length = loop_length(cfg)
    problems = []
    for i, sched in enumerate(scheduler_list(cfg)):
        if sched.get('by_epoch', True) != (unit == 'epoch'):
            continue
        begin = sched.get('begin', 0)
        end = min(sched.get('end', float('inf')), length)
        if end <= begin:
            problems.append(
                f'param_scheduler[{i}] ({sched.get("type")}) begins at '
                f'{unit} {begin}, but train_cfg.max_{unit}s={length} ends '
                f'the run first. Raise train_cfg.max_{unit}s above {begin} '
                f'or move param_scheduler.{i}.begin/end (with '
                '--cfg-options) into the run.')
    return problems


def check_runnable(cfg: Config) -> None:
    """Refuse a training config that cannot run on this machine.

    Checks the optimizer wrapper against the visible devices, each data
    loader's worker options, and that every scheduler starts inside the
    run.

    Raises:
        PrestartError: listing every problem with its setting and fix.
    """
    problems = []
    wrapper = cfg.get('optim_wrapper') or {}
    if wrapper.get('type') == 'AmpOptimWrapper' and \
            not accelerator_available():
        problems.append(
            "optim_wrapper.type='AmpOptimWrapper' (fp16 mixed precision) "
            'needs a CUDA GPU and none is visible. Run on a GPU, or set '
            '--cfg-options optim_wrapper.type=OptimWrapper (fp32; drop '
            'optim_wrapper.loss_scale if the config sets it).')
    for key in _LOADERS:
        loader = cfg.get(key)
        if not isinstance(loader, dict):
            continue
        if loader.get('num_workers', 0) == 0:
            if loader.get('persistent_workers'):
                problems.append(
                    f'{key}.num_workers=0 with {key}.persistent_workers='
                    'True: torch keeps workers only when there are some. '
                    f'Also set {key}.persistent_workers=False.')
            if loader.get('prefetch_factor') is not None:
                problems.append(
                    f'{key}.num_workers=0 with {key}.prefetch_factor='
                    f'{loader["prefetch_factor"]}: prefetching needs '
                    f'workers. Also set {key}.prefetch_factor=None.')
    problems += _scheduler_problems(cfg)
    if problems:
        raise PrestartError('this config cannot train here:\n  - ' +
                            '\n  - '.join(problems) + '\n' + _SMOKE_HINT)
