"""The one switch that trains a config from a teacher store."""
from typing import Optional

#: Distillers whose teacher embeds one replayed view per item.
STORE_METHODS = ('LGD', 'SEED', 'KD')


def _type(cfg: dict) -> str:
    return str(cfg.get('type', '')).split('.')[-1]


def replay_views_cfg(cfg,
                     store: Optional[str] = None,
                     num_views: Optional[int] = None,
                     seed: Optional[int] = None):
    """Make a distillation config replay stored views, in place.

    * ``train_dataloader.dataset`` is wrapped in ``ReplayViewDataset`` and
      the sampler becomes ``ReplayViewSampler`` (DefaultSampler's
      ``shuffle`` / ``seed`` / ``round_up`` kept);
    * with ``store``, ``model.teacher`` becomes ``StoredTeacher`` around the
      config's teacher, so training reads the store instead of running the
      image tower. Without it the teacher stays online and sees the same
      views (the equality check, and ``tools/cache_teacher.py``).

    Args:
        cfg (Config): A distillation config (LGD, SEED or KD).
        store (str, optional): Teacher store folder.
        num_views (int, optional): Views per image; defaults to the
            store's. Required without a store.
        seed (int, optional): Seed of the views; defaults to the store's
            (0 without a store).

    Returns:
        Config: ``cfg``.

    Raises:
        ValueError: for a method or sampler the switch does not support.
    """
    model = cfg.model
    if _type(model) not in STORE_METHODS:
        raise ValueError(
            f'model.type={model.get("type")!r}: training from replayed '
            f'teacher views supports {", ".join(STORE_METHODS)} (BINGO and '
            'DisCo embed other images than one view per item; '
            'docs/teacher_store.md)')
    loader = cfg.train_dataloader
    sampler = dict(loader.get('sampler') or dict(type='DefaultSampler'))
    if _type(sampler) not in ('DefaultSampler', 'ReplayViewSampler'):
        raise ValueError(
            f'train_dataloader.sampler.type={sampler.get("type")!r}: '
            'replayed views need DefaultSampler (it becomes '
            'ReplayViewSampler, which carries the epoch)')
    sampler['type'] = 'lgd_mm.ReplayViewSampler'
    loader['sampler'] = sampler
    dataset = loader['dataset']
    if _type(dataset) == 'ReplayViewDataset':
        dataset = dataset['dataset']
    wrapped = dict(type='lgd_mm.ReplayViewDataset', dataset=dataset)
    for name, value in dict(
            store=store, num_views=num_views, seed=seed).items():
        if value is not None:
            wrapped[name] = value
    loader['dataset'] = wrapped
    if store is not None and _type(model.teacher) != 'StoredTeacher':
        model.teacher = dict(
            type='lgd_mm.StoredTeacher', store=store, teacher=model.teacher)
    return cfg
