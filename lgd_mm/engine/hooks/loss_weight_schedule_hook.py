"""Schedule a loss weight of the model over training (DWT)."""
import math
import re
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lgd_mm.registry import HOOKS

_SCHEDULES = ('constant', 'linear', 'step')


def _resolve(model, path: str):
    """(object, attribute name) of a dotted ``path`` below ``model``."""
    *parents, name = path.split('.')
    obj = model
    for part in parents:
        obj = getattr(obj, part)
    if not isinstance(getattr(obj, name),
                      (int, float)) or isinstance(getattr(obj, name), bool):
        raise TypeError(f'{path} is {getattr(obj, name)!r}, not a number')
    return obj, name


@HOOKS.register_module()
class LossWeightScheduleHook(Hook):
    """Set a numeric loss weight of the model before every iteration and
    log it as ``train/<log_name>``.

    Distillation from a weak teacher (DWT, lgd_method.md §7) finds the
    weight of the teacher's loss against the student's own, and whether it
    decays, decisive. This hook schedules any float attribute of the model:
    ``teacher_loss_weight`` (every distiller: all distillation terms), or a
    method's own, e.g. ``head.vis_weight`` (LGD's alpha) or BINGO's
    ``inter_weight``. With ``t`` the epoch (``by_epoch``) or iteration:

    - ``'constant'``: ``value``.
    - ``'linear'``: ``value`` until ``begin``, then linearly to
      ``end_value`` at ``end``, ``end_value`` after.
    - ``'step'``: ``value`` before ``end``, ``end_value`` from ``end`` on
      (``end_value=0`` switches the term off at epoch ``end``; ``value=0``
      switches it on there, e.g. BINGO's self-only warm-up).

    Args:
        attr (str): Dotted attribute path below the (unwrapped) model.
            Defaults to 'teacher_loss_weight'.
        schedule (str): ``'constant'``, ``'linear'`` or ``'step'``.
            Defaults to 'constant'.
        value (float): Start value. Defaults to 1.0.
        end_value (float): Final value of ``'linear'`` / ``'step'``.
            Defaults to 0.0.
        begin (int): Where ``'linear'`` starts. Defaults to 0.
        end (int, optional): Where ``'linear'`` ends / ``'step'`` steps.
            Defaults to the last epoch (iteration) of training.
        by_epoch (bool): Count ``t`` in epochs, else iterations.
            Defaults to True.
        log_name (str, optional): Name of the logged scalar. Defaults to
            the last part of ``attr`` without "loss" (mmengine's log
            processor window-averages scalars named "*loss*"; the weight
            is logged as set), e.g. ``teacher_weight``.
    """
    priority = 'ABOVE_NORMAL'  # before the logger reads the message hub

    def __init__(self,
                 attr: str = 'teacher_loss_weight',
                 schedule: str = 'constant',
                 value: float = 1.0,
                 end_value: float = 0.0,
                 begin: int = 0,
                 end: Optional[int] = None,
                 by_epoch: bool = True,
                 log_name: Optional[str] = None):
        if schedule not in _SCHEDULES:
            raise ValueError(f'schedule must be one of {_SCHEDULES}, got '
                             f'{schedule!r}')
        if end is not None and end < begin:
            raise ValueError(f'end ({end}) must be >= begin ({begin})')
        self.attr = attr
        self.schedule = schedule
        self.value = float(value)
        self.end_value = float(end_value)
        self.begin = int(begin)
        self.end = end
        self.by_epoch = by_epoch
        self.log_name = log_name or re.sub(r'_?loss', '',
                                           attr.rsplit('.', 1)[-1])

    def weight_at(self, t: float, end: int) -> float:
        """The scheduled weight at epoch/iteration ``t``."""
        if self.schedule == 'constant':
            return self.value
        if self.schedule == 'step':
            return self.value if t < end else self.end_value
        span = max(end - self.begin, 1)
        frac = min(max((t - self.begin) / span, 0.0), 1.0)
        return self.value + (self.end_value - self.value) * frac

    def before_train(self, runner) -> None:
        # fail at start, not silently: the attribute must exist and be a
        # number
        _resolve(self._model(runner), self.attr)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        total = runner.max_epochs if self.by_epoch else runner.max_iters
        end = total if self.end is None else self.end
        t = runner.epoch if self.by_epoch else runner.iter
        weight = self.weight_at(t, end)
        if not math.isfinite(weight):
            raise ValueError(f'{self.attr} scheduled to {weight}')
        obj, name = _resolve(self._model(runner), self.attr)
        setattr(obj, name, weight)
        runner.message_hub.update_scalar(f'train/{self.log_name}', weight)

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model
