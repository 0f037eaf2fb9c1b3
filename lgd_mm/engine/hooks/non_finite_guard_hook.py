"""Stop (or skip the step) on a NaN/Inf loss or bank, keeping the last good
state."""
import logging
import os.path as osp
import weakref
from functools import partial
from typing import Callable, Dict, List, Optional

import torch
from mmengine.dist import all_reduce, barrier, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from torch import nn

from lgd_mm.registry import HOOKS
from lgd_mm.utils.fileio import atomic_write_text


class NonFiniteLossError(FloatingPointError):
    """A loss term or bank became NaN/Inf during training."""


def _drop_grads_if_skipped(guard_ref, optimizer, args, kwargs) -> None:
    # Params without .grad are left alone by torch optimizers (no update,
    # no momentum, no weight decay): a true skip.
    guard = guard_ref()
    if guard is not None and guard._drop_grads:
        for group in optimizer.param_groups:
            for param in group['params']:
                param.grad = None


def _before_forward(guard_ref, module, args, kwargs) -> None:
    guard = guard_ref()
    if guard is not None and kwargs.get('mode') == 'loss':
        guard._begin(module)


def _after_forward(guard_ref, module, args, kwargs, output):
    guard = guard_ref()
    if guard is None or kwargs.get('mode') != 'loss' or \
            not isinstance(output, dict):
        return None
    guard._end_watch()
    return guard._check(module, output)


def _watch_teacher(guard_ref, module, args, output) -> None:
    guard = guard_ref()
    if guard is not None and isinstance(output, torch.Tensor) and \
            output.is_floating_point():
        # a device flag, read only after a bad step (no host sync)
        guard._teacher_flags.append(~torch.isfinite(output.detach()).all())


def _teacher_tensors(teacher: nn.Module):
    """Named parameters and buffers of a teacher, including the frozen
    models a :class:`~lgd_mm.models.teachers.frozen.FrozenTeacher` holds
    outside its module tree."""
    modules = [('', teacher)]
    held = getattr(teacher, '_held', None)
    if callable(held):
        modules += [(f'{i}.', m) for i, m in enumerate(held())]
    for prefix, module in modules:
        yield from ((prefix + n, t) for n, t in module.named_parameters())
        yield from ((prefix + n, t) for n, t in module.named_buffers())


@HOOKS.register_module()
class NonFiniteGuardHook(Hook):
    """Guard every training step against NaN/Inf losses and banks.

    The check wraps the model's loss forward (``forward(..., mode='loss')``)
    through PyTorch forward hooks that this hook registers on the model in
    ``before_train`` and removes in ``after_train``. So it sees the step
    before the optimizer does, on single-process and DDP runs alike (the
    DDP wrapper calls the inner module), for any model that returns a loss
    dict, and the model carries no guard-specific code or attribute:

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
      ``loss_vis``, ``loss_tex``, ``bank visual_bank.prototypes``), the
      iteration and the likely cause: the teacher (its weights or outputs
      are non-finite: check the teacher weights file) or the optimisation
      (lr, warm-up, AMP);
    * ``action='skip'``: the optimizer step is skipped (gradients are
      dropped right before ``optimizer.step`` by an optimizer step pre-hook,
      so neither weights, momentum nor weight decay move) and training goes
      on; the count is logged as ``nonfinite_skips``. More than
      ``max_consecutive_skips`` bad steps in a row stop the run as above.

    With gradient accumulation a skipped batch drops the update of its whole
    accumulation window. :class:`~lgd_mm.engine.ReliableEpochBasedTrainLoop`
    adds this hook (with its defaults) to runs whose config does not list
    it.

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
        self._handles = []
        self._snapshot = None
        self._teacher_flags = []
        self._teacher_handle = None

    # -- set-up -------------------------------------------------------------
    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self._remove_handles()
        self._runner = weakref.ref(runner)
        # buffers non-finite by design (e.g. -inf attention masks) are not
        # a failure
        self._exempt = {
            name
            for name, buf in model.named_buffers()
            if buf.is_floating_point() and not torch.isfinite(buf).all()
        }
        # weak references: copies of the model (EMA) must not drag the hook
        # and the runner along
        ref = weakref.ref(self)
        self._handles = [
            model.register_forward_pre_hook(
                partial(_before_forward, ref), with_kwargs=True),
            model.register_forward_hook(
                partial(_after_forward, ref), with_kwargs=True)
        ]
        wrappers = runner.optim_wrapper.optim_wrappers.values() if isinstance(
            runner.optim_wrapper,
            OptimWrapperDict) else [runner.optim_wrapper]
        for wrapper in wrappers:
            self._handles.append(
                wrapper.optimizer.register_step_pre_hook(
                    partial(_drop_grads_if_skipped, ref)))

    def after_train(self, runner) -> None:
        self._remove_handles()

    def _remove_handles(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        self._drop_grads = False

    # -- the check ----------------------------------------------------------
    def run(self, model: torch.nn.Module,
            compute: Callable[[], Dict[str, torch.Tensor]]) -> dict:
        """Compute ``losses = compute()`` under the guard (see class doc).

        The forward hooks do the same around ``model(..., mode='loss')``.

        Args:
            model (nn.Module): The model whose buffers are checked.
            compute (Callable): Runs the loss forward; returns the loss dict.

        Returns:
            dict: ``losses``, or after a skipped step a zero loss whose
            gradients are zero for every parameter.
        """
        self._begin(model)
        try:
            losses = compute()
        finally:
            self._end_watch()
        return self._check(model, losses)

    def _begin(self, model) -> None:
        """Snapshot the buffers and watch the teacher's outputs."""
        self._end_watch()
        self._snapshot = None
        if self.restore_buffers:
            self._snapshot = {
                name: buf.detach().clone()
                for name, buf in model.named_buffers()
            }
        self._teacher_flags = []
        teacher = getattr(model, 'teacher', None)
        if isinstance(teacher, nn.Module):
            self._teacher_handle = teacher.register_forward_hook(
                partial(_watch_teacher, weakref.ref(self)))

    def _end_watch(self) -> None:
        if self._teacher_handle is not None:
            self._teacher_handle.remove()
            self._teacher_handle = None

    def _check(self, model, losses: dict) -> dict:
        snapshot, self._snapshot = self._snapshot, None
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
        cause = self.likely_cause(model)
        if self.action == 'skip' and \
                self._consecutive < self.max_consecutive_skips:
            self._consecutive += 1
            self.num_skips += 1
            self._drop_grads = True
            print_log(
                f'NonFiniteGuardHook: non-finite {what} at {where}; step '
                f'skipped ({self.num_skips} so far), banks rolled back. '
                f'Likely cause: {cause}.',
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
            f'non-finite {what} at {where}; training stopped. Likely '
            f'cause: {cause}.' +
            (f' The state before this step is saved in {saved} (resume '
             'with --resume once the cause is fixed).' if saved else '') +
            ' Set NonFiniteGuardHook(action="skip") to skip such steps.')

    def likely_cause(self, model) -> str:
        """Where a non-finite step most likely comes from.

        The teacher when its weights (parameters, buffers, held frozen
        models) are non-finite or, within the step, its outputs were; the
        optimisation otherwise. A bad teacher is not fixed by a lower lr.

        Args:
            model (nn.Module): The guarded model (its ``teacher``, if any).

        Returns:
            str: One sentence naming the cause and what to check.
        """
        teacher = getattr(model, 'teacher', None)
        if isinstance(teacher, nn.Module):
            source = getattr(teacher, 'pretrained', None)
            file = ('the teacher weights file (model.teacher.pretrained='
                    f'{source!r})')
            bad = [
                name for name, t in _teacher_tensors(teacher)
                if t.is_floating_point() and not torch.isfinite(t).all()
            ]
            if bad:
                shown = ', '.join(bad[:3]) + (', ...' if len(bad) > 3 else '')
                return (f'the teacher\'s weights hold NaN/Inf ({shown}); '
                        f'check {file}. A lower lr will not help')
            if any(bool(flag) for flag in self._teacher_flags):
                return ('the teacher\'s outputs were NaN/Inf although its '
                        f'weights are finite; check {file} and the input '
                        'normalisation (data_preprocessor). A lower lr will '
                        'not help')
        return ('the optimisation diverged (the teacher is finite); lower '
                'the lr (optim_wrapper.optimizer.lr) or lengthen the '
                'warm-up, clip gradients (optim_wrapper.clip_grad), and with '
                'AMP use bf16 (optim_wrapper.dtype=bfloat16) or a smaller '
                'loss scale')

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
        # meta as if saved after the last good iteration; the resumed run
        # then continues at the bad batch (ReliableEpochBasedTrainLoop)
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
