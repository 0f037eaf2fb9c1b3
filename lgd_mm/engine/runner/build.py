"""Build the Runner a config asks for, with what every lgd_mm run needs.

:func:`build_runner` is what ``tools/train.py``, ``tools/test.py``, the
benchmark (:func:`lgd_mm.benchmark.run`) and the demo call: the work dir is
locked, checkpoints are written atomically, a global batch is split over
the ranks and CPU distributed runs get a gloo process group before the
Runner is built.
"""
import os

from mmengine.config import Config

from lgd_mm.utils.norm_layers import sync_bn_to_bn
from lgd_mm.utils.work_dir_lock import (WorkDirLockReleaseHook,
                                        acquire_work_dir_lock)

__all__ = [
    'build_runner', 'init_cpu_distributed', 'drop_collate_scope',
    'launcher_world_size', 'launcher_rank', 'apply_global_batch_size',
    'use_atomic_checkpoints'
]


def init_cpu_distributed(cfg: Config) -> None:
    """Make ``--launcher pytorch`` work on a machine without a GPU.

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` first, which
    fails without a GPU; the Runner skips its own set-up when a process
    group already exists, so CPU jobs (tests, laptops) start one here from
    torchrun's environment. On CPU the backend is gloo whatever
    ``env_cfg.dist_cfg.backend`` says (nccl needs GPUs) and SyncBN becomes
    BN (torch's SyncBatchNorm runs on GPU modules only); both are logged.
    """
    import torch
    import torch.distributed as dist
    from mmengine.logging import print_log
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available() \
            or dist.is_initialized():
        return
    backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'gloo')
    if backend != 'gloo':
        print_log(
            f'no GPU: env_cfg.dist_cfg.backend={backend!r} replaced by '
            '"gloo" for this CPU run', logger='current')
    dist.init_process_group(backend='gloo')
    if 'SyncBN' in str(cfg.get('model')):
        sync_bn_to_bn(cfg.model)
        print_log('no GPU: SyncBN layers of the model built as BN (torch\'s '
                  'SyncBatchNorm needs GPU modules)', logger='current')
    # mmengine passes device_ids=[LOCAL_RANK] to DDP, which is for GPU
    # modules; a CPU module needs None.
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def drop_collate_scope(cfg: Config) -> None:
    """Remove ``_scope_`` from dataloader ``collate_fn`` configs.

    mmengine 0.10.7 tags dicts inherited from ``mmpretrain::``-style bases
    with ``_scope_`` and then passes that key on to the collate function
    (``default_collate() got an unexpected keyword argument '_scope_'``).
    Collate functions live in one registry, so the scope carries nothing.
    """
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader and isinstance(loader.get('collate_fn'), dict):
            loader['collate_fn'].pop('_scope_', None)


def launcher_world_size(launcher: str) -> int:
    """Number of processes the launcher starts, from its environment."""
    env = dict(
        pytorch='WORLD_SIZE', slurm='SLURM_NTASKS',
        mpi='OMPI_COMM_WORLD_SIZE').get(launcher)
    return int(os.environ.get(env, 1)) if env else 1


def apply_global_batch_size(cfg: Config) -> None:
    """Split an optional ``global_batch_size`` over the ranks.

    Sets ``train_dataloader.batch_size`` to ``global_batch_size / world
    size``, so the recipe's batch (e.g. 2048) holds on any number of GPUs.

    Raises:
        ValueError: if the global batch is not divisible by the world size.
    """
    total = cfg.get('global_batch_size')
    if total is None:
        return
    world = launcher_world_size(cfg.get('launcher', 'none'))
    if int(total) <= 0 or int(total) % world:
        raise ValueError(
            f'global_batch_size={total} cannot be split over {world} ranks '
            f'(launcher {cfg.get("launcher", "none")!r}): expected a '
            f'positive multiple of {world}. Use a number of GPUs that '
            f'divides it, or change global_batch_size.')
    cfg.train_dataloader.batch_size = int(total) // world


def launcher_rank(launcher: str) -> int:
    """Global rank of this process, from the launcher's environment (the
    process group may not exist yet)."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    env = dict(
        pytorch='RANK', slurm='SLURM_PROCID',
        mpi='OMPI_COMM_WORLD_RANK').get(launcher)
    return int(os.environ.get(env, 0)) if env else 0


def use_atomic_checkpoints(cfg: Config) -> None:
    """Save checkpoints with :class:`AtomicCheckpointHook`.

    A plain mmengine ``CheckpointHook`` deletes the oldest kept checkpoint
    before the new one is written, so a kill mid-save can lose the run;
    the subclass takes the same arguments. Other hook types are kept.
    """
    from mmengine.hooks import CheckpointHook

    from lgd_mm.registry import HOOKS
    hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    if isinstance(hook, dict) and hook.get('type') in ('CheckpointHook',
                                                       CheckpointHook):
        # the scope it is built in: its own _scope_ (bases like mmdet::)
        # or the runner's default scope
        scope = hook.get('_scope_') or cfg.get('default_scope') or 'mmengine'
        hook['type'] = _scoped_name(HOOKS, 'AtomicCheckpointHook', scope)


def _scoped_name(registry, name: str, current: str) -> str:
    """How ``name`` of ``registry`` is found from scope ``current``.

    mmengine looks ``'a.b.X'`` up from the root (``'lgd_mm.X'`` alone is
    only found from lgd_mm's parent) but never searches parents of a
    registry named by scope, so the prefix holds the scopes between
    ``current`` and ``registry``: ``'X'`` in lgd_mm,
    ``'mmpretrain.lgd_mm.X'`` from mmengine or mmdet.
    """
    scopes = []
    while registry.parent is not None and registry.scope != current:
        scopes.append(registry.scope)
        registry = registry.parent
    return '.'.join(scopes[::-1] + [name])


def build_runner(cfg: Config):
    """Build the runner a config asks for (``runner_type``) or the default.

    The work dir is locked for the run first (rank 0; a second run there
    stops with :class:`~lgd_mm.utils.work_dir_lock.WorkDirLockedError`),
    and checkpoints are saved atomically (:func:`use_atomic_checkpoints`).
    """
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    import lgd_mm.engine.hooks  # noqa: F401  (AtomicCheckpointHook)
    drop_collate_scope(cfg)
    apply_global_batch_size(cfg)
    use_atomic_checkpoints(cfg)
    init_cpu_distributed(cfg)
    lock = None
    if cfg.get('work_dir') and launcher_rank(cfg.get('launcher', 'none')) == 0:
        lock = acquire_work_dir_lock(cfg.work_dir)
    try:
        if 'runner_type' in cfg:
            runner = RUNNERS.build(cfg)
        else:
            runner = Runner.from_cfg(cfg)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if lock is not None:
        runner.register_hook(WorkDirLockReleaseHook(lock))
    return runner
