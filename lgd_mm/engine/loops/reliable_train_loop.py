"""mmengine's epoch loop with the always-on hooks and an exact mid-epoch
resume."""
import logging
from typing import Callable, Optional

from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import DataLoader

from lgd_mm.registry import HOOKS, LOOPS
from .always_on import missing_always_on_hooks


class _SkipBatchSampler:
    """The index batches of ``batch_sampler`` from number ``skip`` on;
    ``on_start`` runs right before the first of them is handed out.

    Only index lists are skipped, so no sample of the skipped batches is
    loaded.
    """

    def __init__(self, batch_sampler, skip: int,
                 on_start: Optional[Callable[[], None]]):
        self.batch_sampler = batch_sampler
        self.skip = skip
        self.on_start = on_start

    def __iter__(self):
        batches = iter(self.batch_sampler)
        for _ in range(self.skip):
            next(batches, None)
        # The DataLoader asks for the next index batch right before loading
        # it, after its own set-up drew from the global RNG: a restore here
        # hands the loader the state the killed run had at this point.
        if self.on_start is not None:
            self.on_start()
        yield from batches

    def __len__(self):
        return max(len(self.batch_sampler) - self.skip, 0)


def _remaining_loader(loader: DataLoader, skip: int,
                      on_start: Optional[Callable[[], None]]) -> DataLoader:
    """A one-epoch DataLoader over ``loader``'s data set, sampler, collate
    function and worker set-up that yields its batches from ``skip`` on."""
    options = dict(
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        timeout=loader.timeout,
        worker_init_fn=loader.worker_init_fn,
        multiprocessing_context=loader.multiprocessing_context,
        generator=loader.generator,
        # one epoch only: a second persistent worker pool would linger
        persistent_workers=False)
    if loader.num_workers > 0:
        options['prefetch_factor'] = loader.prefetch_factor
    for name in ('pin_memory_device', 'in_order'):  # newer torch only
        if hasattr(loader, name):
            options[name] = getattr(loader, name)
    return DataLoader(
        loader.dataset,
        batch_sampler=_SkipBatchSampler(loader.batch_sampler, skip, on_start),
        **options)


@LOOPS.register_module()
class ReliableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` with lgd_mm's always-on reliability pieces.

    The training loop of every lgd_mm pre-training config
    (``configs/_base_/schedules/*``: ``train_cfg.type``), chosen because the
    loop is built from the config by any Runner (``Runner.from_cfg`` and
    registered runners alike) right before ``before_run``:

    * **always-on hooks**: :data:`~lgd_mm.engine.loops.ALWAYS_ON_HOOKS`
      (``CheckpointMetaHook``, ``ExactResumeHook``, ``NonFiniteGuardHook``,
      ``DataCheckHook``) that the run lacks are registered here, matched by
      type, so a config assigning its own ``custom_hooks`` list cannot
      silently drop them; a hook the config lists keeps its arguments;
    * **exact mid-epoch resume**: after :meth:`fast_forward` (called by
      :class:`~lgd_mm.engine.ExactResumeHook` when a run resumes), the next
      epoch starts at a given batch: a one-epoch DataLoader over the same
      data set, sampler, collate function and workers skips the batches
      already trained on at the index level (no sample is loaded) and runs
      a callback (the RNG restore) right before the first remaining batch.
      ``len(self.dataloader)`` and the hooks' view of the epoch are
      unchanged; ``batch_idx`` counts from the true position in the epoch.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The training data loader.
        max_epochs (int): Total training epochs.
        val_begin (int): First epoch to validate. Defaults to 1.
        val_interval (int): Validation interval. Defaults to 1.
        dynamic_intervals (List[Tuple[int, int]], optional): Milestones
            and validation intervals. Defaults to None.
    """

    def __init__(self, runner, dataloader, max_epochs: int, **kwargs):
        super().__init__(runner, dataloader, max_epochs, **kwargs)
        self._resume_at = None
        for cfg in missing_always_on_hooks(runner.hooks):
            name = cfg.pop('type')
            print_log(
                f'{type(self).__name__}: adding {name} (always on, not in '
                'custom_hooks)',
                logger='current',
                level=logging.DEBUG)
            # by class: the runner's default scope may not be lgd_mm
            runner.register_hook(HOOKS.get(name)(**cfg))

    def fast_forward(self,
                     skip: int,
                     on_start: Optional[Callable[[], None]] = None) -> None:
        """Start the next epoch at batch ``skip`` (0-based).

        Args:
            skip (int): Batches of the epoch already trained on,
                ``0 <= skip <= len(self.dataloader)``.
            on_start (Callable, optional): Called right before the first
                remaining batch is loaded (after the loader's own set-up).

        Raises:
            ValueError: if ``skip`` is outside the epoch, or the loader
                has no batch sampler to skip with.
        """
        if not 0 <= skip <= len(self.dataloader):
            raise ValueError(f'cannot skip {skip} of the '
                             f'{len(self.dataloader)} batches of an epoch')
        if getattr(self.dataloader, 'batch_sampler', None) is None:
            raise ValueError('fast_forward needs a DataLoader with a batch '
                             'sampler (batch_size set)')
        self._resume_at = (skip, on_start)

    def run_epoch(self) -> None:
        """Iterate one epoch, from the batch set by :meth:`fast_forward`."""
        if self._resume_at is None:
            return super().run_epoch()
        (skip, on_start), self._resume_at = self._resume_at, None
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        batches = _remaining_loader(self.dataloader, skip, on_start)
        for idx, data_batch in enumerate(batches, start=skip):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
