"""Stop (or skip the step) on a NaN/Inf loss or bank, keeping the last good
state."""
import logging
import os.path as osp
import weakref
from typing import Callable, Dict, List, Optional

import torch
from mmengine.dist import all_reduce, barrier, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

from lgd_mm.registry import HOOKS
from lgd_mm.utils.fileio import atomic_write_text


class NonFiniteLossError(FloatingPointError):
    """A loss term or bank became NaN/Inf during training."""


@HOOKS.register_module()
class NonFiniteGuardHook(Hook):
    """Guard every training step against NaN/Inf losses and banks.

    The check runs inside the model's loss forward (models that support it
    expose a ``nonfinite_guard`` attribute, e.g. every
    :class:`~lgd_mm.models.BaseDistiller`), so it sees the step before the
    optimizer does, on single-process and DDP runs alike:

    1. the floating-point buffers (banks, queues, BN statistics) are
       snapshotted;
    2. the losses are computed, which also updates the banks (LGKA, queue);
    3. every ``loss*`` term and every floating-point buffer is checked; ranks
       agree through one all-reduce, so all of them stop or skip together.

    On a non-finite value the buffers are rolled back to the snapshot, so
    the model is in its state before the bad step, and then

    * ``action='stop'`` (default): that last good state is saved to
      ``<work_dir>/last_good_iter_<N>.pth`` (also named in
      ``last_checkpoint``, so ``--resume`` continues from it) and the run
      stops with :class:`NonFiniteLossError` naming the terms (e.g.
      ``loss_vis``, ``loss_tex``, ``bank visual_bank.prototypes``) and the
      iteration;
    * ``action='skip'``: the optimizer step is skipped (gradients are
      dropped right before ``optimizer.step``, so neither weights, momentum
      nor weight decay move) and training goes on; the count is logged as
      ``nonfinite_skips``. More than ``max_consecutive_skips`` bad steps in
      a row stop the run as above.

    With gradient accumulation a skipped batch drops the update of its whole
    accumulation window.

    Args:
        action (str): ``'stop'`` or ``'skip'``. Defaults to 'stop'.
        check_buffers (bool): Also check the model's floating-point buffers
            (banks, queues, BN statistics); buffers already non-finite when
            training starts (masks) are left out. Defaults to True.
        restore_buffers (bool): Snapshot the buffers each step to roll a bad
            step back. Costs one copy of the buffers (e.g. 256 MiB for a
            65536 x 1024 queue). Defaults to True.
        max_consecutive_skips (int): With ``action='skip'``, stop after this
            many bad steps in a row. Defaults to 10.
    """
    priority = 'NORMAL'

    def __init__(self,
                 action: str = 'stop',
                 check_buffers: bool = True,
                 restore_buffers: bool = True,
                 max_consecutive_skips: int = 10):
        if action not in ('stop', 'skip'):
            raise ValueError(f'NonFiniteGuardHook action must be "stop" or '
                             f'"skip", got {action!r}')
        self.action = action
        self.check_buffers = check_buffers
        self.restore_buffers = restore_buffers
        self.max_consecutive_skips = int(max_consecutive_skips)
        self.num_skips = 0
        self._consecutive = 0
        self._drop_grads = False
        self._runner = None
        self._exempt = set()

    # -- set-up -------------------------------------------------------------
    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not hasattr(model, 'nonfinite_guard'):
            print_log(
                f'NonFiniteGuardHook: {type(model).__name__} has no '
                '`nonfinite_guard` entry point; its losses are not checked',
                logger='current',
                level=logging.WARNING)
            return
        self._runner = weakref.ref(runner)
        # buffers non-finite by design (e.g. -inf attention masks) are not
        # a failure
        self._exempt = {
            name
            for name, buf in model.named_buffers()
            if buf.is_floating_point() and not torch.isfinite(buf).all()
        }
        # a weak reference: EMA copies of the model must not drag the hook
        # (and the runner) along
        model.nonfinite_guard = weakref.ref(self)
        wrappers = runner.optim_wrapper.optim_wrappers.values() if isinstance(
            runner.optim_wrapper,
            OptimWrapperDict) else [runner.optim_wrapper]
        for wrapper in wrappers:
            wrapper.optimizer.register_step_pre_hook(self._step_pre_hook)

    def _step_pre_hook(self, optimizer, args, kwargs):
        # Params without .grad are left alone by torch optimizers (no
        # update, no momentum, no weight decay): a true skip.
        if self._drop_grads:
            for group in optimizer.param_groups:
                for param in group['params']:
                    param.grad = None

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        self._drop_grads = False

    # -- the check, called by the model -------------------------------------
    def run(self, model: torch.nn.Module,
            compute: Callable[[], Dict[str, torch.Tensor]]) -> dict:
        """Compute ``losses = compute()`` under the guard (see class doc).

        Args:
            model (nn.Module): The model whose buffers are checked.
            compute (Callable): Runs the loss forward; returns the loss dict.

        Returns:
            dict: ``losses``, or after a skipped step a zero loss whose
            gradients are zero for every parameter.
        """
        snapshot = None
        if self.restore_buffers:
            snapshot = {
                name: buf.detach().clone()
                for name, buf in model.named_buffers()
            }
        losses = compute()
        bad = self._non_finite(model, losses)
        if not bad:
            self._consecutive = 0
            return losses
        if snapshot is not None:
            with torch.no_grad():
                for name, buf in model.named_buffers():
                    buf.copy_(snapshot[name])
        runner = self._runner() if self._runner is not None else None
        where = (f'iteration {runner.iter + 1} (epoch {runner.epoch + 1})'
                 if runner is not None else 'this iteration')
        what = ', '.join(bad)
        if self.action == 'skip' and \
                self._consecutive < self.max_consecutive_skips:
            self._consecutive += 1
            self.num_skips += 1
            self._drop_grads = True
            print_log(
                f'NonFiniteGuardHook: non-finite {what} at {where}; step '
                f'skipped ({self.num_skips} so far), banks rolled back',
                logger='current',
                level=logging.WARNING)
            losses = self._zero_losses(model)
            losses['nonfinite_skips'] = torch.tensor(float(self.num_skips))
            return losses
        if self.action == 'skip':
            what += (f' ({self._consecutive + 1} bad steps in a row, '
                     f'max_consecutive_skips={self.max_consecutive_skips})')
        saved = self._save_last_good(runner) if runner is not None else None
        raise NonFiniteLossError(
            f'non-finite {what} at {where}; training stopped. ' +
            (f'The state before this step is saved in {saved} (resume '
             'with --resume, e.g. with a lower lr).' if saved else '') +
            ' Set NonFiniteGuardHook(action="skip") to skip such steps.')

    def _non_finite(self, model, losses: dict) -> List[str]:
        """Names of the non-finite loss terms and buffers, agreed by all
        ranks (one host sync per step)."""
        names, flags = [], []
        for name, value in losses.items():
            if 'loss' not in name:
                continue
            for v in value if isinstance(value, (list, tuple)) else [value]:
                names.append(name)
                flags.append(~torch.isfinite(v.detach()).all())
        if self.check_buffers:
            for name, buf in model.named_buffers():
                if buf.is_floating_point() and buf.numel() and \
                        name not in self._exempt:
                    names.append(f'bank {name}')
                    flags.append(~torch.isfinite(buf).all())
        if not flags:
            return []
        flags = torch.stack(flags).float()
        if get_world_size() > 1:
            all_reduce(flags, op='max')
        bad = [n for n, f in zip(names, flags.tolist()) if f > 0]
        return list(dict.fromkeys(bad))

    @staticmethod
    def _zero_losses(model) -> Dict[str, torch.Tensor]:
        # Depends on every trainable parameter with a zero gradient, so
        # DDP's reducer and AMP's scaler run as usual; the step pre-hook
        # then drops the gradients.
        params = [p for p in model.parameters() if p.requires_grad]
        zero = sum((p * 0).sum() for p in params) if params else \
            torch.zeros((), requires_grad=True)
        return dict(loss_skipped=zero)

    def _save_last_good(self, runner) -> Optional[str]:
        name = f'last_good_iter_{runner.iter}.pth'
        # meta as if saved after the last good iteration; ExactResumeHook
        # then resumes at the bad batch
        runner.save_checkpoint(
            runner.work_dir,
            name,
            meta=dict(epoch=runner.epoch, iter=runner.iter),
            by_epoch=False)
        path = osp.join(runner.work_dir, name)
        if is_main_process():
            atomic_write_text(
                osp.join(runner.work_dir, 'last_checkpoint'), path)
        # other ranks must not exit (and get the job killed) mid-save
        barrier()
        return path
