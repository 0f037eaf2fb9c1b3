"""Resume a killed run exactly: data position and RNG states."""
import logging
from functools import partial
from typing import Optional

from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from lgd_mm.engine.loops import ReliableEpochBasedTrainLoop
from lgd_mm.engine.runner.rng_state import (capture_rng_state,
                                            restore_rng_state)
from lgd_mm.registry import HOOKS

#: Key of the hook's entry in a checkpoint (tensors and primitives only).
RESUME_STATE_KEY = 'resume_state'


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Make ``--resume`` continue a killed run as if it had never stopped.

    mmengine's checkpoints carry the model (banks, queues and their flags
    are buffers), optimizer, schedulers and counters, but

    * no RNG states, so a resumed run draws other augmentations; and
    * no data position: ``EpochBasedTrainLoop`` restarts the current epoch
      from its first batch, so a run killed mid-epoch sees those batches
      twice.

    This hook stores ``checkpoint['resume_state']`` (python / numpy / torch
    / CUDA RNG states as tensors and primitives, so the file still loads
    with ``weights_only=True``, plus the position: epoch, iteration, batch
    within the epoch, batches per epoch, batch size, world size and sampler
    seed). When a run resumes, the first epoch skips the batches already
    trained on at the index level (no image is read) and the RNG states are
    restored right before the next batch is loaded: this hook checks the
    position and hands it to the train loop,
    :class:`~lgd_mm.engine.ReliableEpochBasedTrainLoop`
    (:meth:`~lgd_mm.engine.ReliableEpochBasedTrainLoop.fast_forward`), which
    also adds this hook to runs whose config does not list it.

    With ``num_workers=0`` the continued run is bit-identical to an
    uninterrupted one (CPU, ``randomness.deterministic=True``). With loader
    workers, order and state are exact but augmentations drawn inside the
    workers differ (each worker reseeds itself at the start of an epoch).
    In distributed runs the states of rank 0 are saved and restored on every
    rank, which is exact when ranks share a seed (``diff_rank_seed=False``)
    and augment in workers.

    Mid-epoch resumption needs checkpoints saved by iteration
    (``default_hooks.checkpoint.by_epoch=False``); epoch checkpoints resume
    at an epoch start, with the RNG states restored.

    Args:
        restore_rng (bool): Restore the RNG states on resume. Defaults to
            True.
    """
    priority = 'NORMAL'

    def __init__(self, restore_rng: bool = True):
        self.restore_rng = restore_rng
        self._loader = None
        self._pending: Optional[dict] = None

    def before_train(self, runner) -> None:
        self._loader = runner.train_dataloader
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        position = state['position']
        loop = runner.train_loop
        if not isinstance(loop, ReliableEpochBasedTrainLoop):
            print_log(
                'ExactResumeHook: the data position is restored by '
                f'ReliableEpochBasedTrainLoop only; {type(loop).__name__} '
                'restarts the epoch at its first batch and RNG states are '
                "not restored (set train_cfg.type='ReliableEpochBasedTrain"
                "Loop')",
                logger='current',
                level=logging.WARNING)
            return
        per_epoch = len(self._loader)
        skip = runner.iter - runner.epoch * per_epoch
        if position.get('batches_per_epoch') not in (None, per_epoch):
            msg = (f'the checkpoint was saved with '
                   f'{position["batches_per_epoch"]} batches per epoch '
                   f'(batch size {position.get("batch_size")} x '
                   f'{position.get("world_size")} ranks), this run has '
                   f'{per_epoch} (batch size {self._loader.batch_size} x '
                   f'{get_world_size()} ranks)')
            if skip:
                raise RuntimeError(
                    f'Cannot resume mid-epoch (iteration {runner.iter}): '
                    f'{msg}. Resume with the same train_dataloader batch '
                    'size, data set and number of ranks, or from an epoch '
                    'checkpoint.')
            print_log(
                f'ExactResumeHook: {msg}',
                logger='current',
                level=logging.WARNING)
        if not 0 <= skip <= per_epoch:
            raise RuntimeError(
                f'Cannot resume: iteration {runner.iter} is not within epoch '
                f'{runner.epoch + 1} of {per_epoch} batches')
        self._fix_sampler_seed(position.get('sampler_seed'))
        rng = state.get('rng') if self.restore_rng else None
        if skip:
            print_log(
                f'ExactResumeHook: epoch {runner.epoch + 1} continues at '
                f'batch {skip + 1} of {per_epoch} (skipped batches are not '
                'loaded)',
                logger='current')
        loop.fast_forward(
            skip, None if rng is None else partial(restore_rng_state, rng))

    def _fix_sampler_seed(self, seed) -> None:
        # With randomness.seed=None, mmengine builds the sampler with a fresh
        # seed before it reads the checkpoint's: the data order would change.
        sampler = getattr(self._loader, 'sampler', None)
        if seed is None or getattr(sampler, 'seed', seed) == seed:
            return
        print_log(
            f'ExactResumeHook: sampler seed {sampler.seed} -> {seed} (the '
            'seed of the resumed run)',
            logger='current')
        sampler.seed = seed

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(rng=capture_rng_state())
        meta = checkpoint.get('meta', {})
        if self._loader is not None and 'iter' in meta:
            per_epoch = len(self._loader)
            state['position'] = dict(
                epoch=int(meta['epoch']),
                iter=int(meta['iter']),
                batch_in_epoch=int(meta['iter']) -
                int(meta['epoch']) * per_epoch,
                batches_per_epoch=per_epoch,
                batch_size=self._loader.batch_size,
                world_size=get_world_size(),
                sampler_seed=getattr(self._loader.sampler, 'seed', None))
        checkpoint[RESUME_STATE_KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # mmengine keeps no public flag: `_resume` tells a resume (state
        # continues) from `load_from` (weights only).
        if not getattr(runner, '_resume', False):
            return
        state = checkpoint.get(RESUME_STATE_KEY)
        if not state or 'position' not in state:
            print_log(
                'ExactResumeHook: the checkpoint has no resume state (saved '
                'without this hook); the current epoch restarts at its '
                'first batch and RNG states are not restored',
                logger='current',
                level=logging.WARNING)
            return
        self._pending = dict(state)
