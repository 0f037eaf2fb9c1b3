"""Half-cosine over the whole run, evaluated at the absolute epoch."""
import math

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler

from lgd_mm.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class EpochCosineLR(LRSchedulerMixin, _ParamScheduler):
    """``lr(e) = base_lr * (1 + cos(pi * e / total_epochs)) / 2``.

    The official LGD schedule (lgd_method.md §2): after a warm-up ending at
    ``begin``, the cosine is evaluated at the *absolute* epoch ``e`` over all
    ``total_epochs`` with no ``eta_min``, so it starts just below the peak at
    ``e = begin``. mmengine's ``CosineAnnealingLR(begin=5, T_max=E-5)``
    restarts the cosine at ``begin`` instead, which is close but not equal.
    Closed form (not chained), so resume needs no extra state.

    Args:
        optimizer: Wrapped optimizer.
        total_epochs (int): ``E``, the length of the whole run.
        begin (int): First epoch governed by this scheduler.
        end (int): Epoch at which it stops. Defaults to INF.
        by_epoch (bool): Must be True (the recipe steps per epoch).
        last_step (int): See mmengine's ``_ParamScheduler``.
        verbose (bool): Print each update.
    """

    def __init__(self,
                 optimizer,
                 total_epochs: int,
                 begin: int = 0,
                 end: int = INF,
                 by_epoch: bool = True,
                 last_step: int = -1,
                 verbose: bool = False):
        if not by_epoch:
            raise ValueError('EpochCosineLR steps per epoch (by_epoch=True)')
        if total_epochs <= 0:
            raise ValueError(f'total_epochs must be > 0, got {total_epochs}')
        self.total_epochs = total_epochs
        super().__init__(
            optimizer,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose)

    def _get_value(self):
        epoch = self.begin + self.last_step
        factor = 0.5 * (1 + math.cos(math.pi * epoch / self.total_epochs))
        return [base * factor for base in self.base_values]
