"""The one switch that trains a config from a teacher store.

Every distiller whose class says ``supports_store`` reads one store made
from the single-view train pipeline, so one store serves them all
(docs/teacher_store.md §3):

* one view per item (LGD, SEED, KD): the dataset is wrapped as it is;
* BINGO: ``ReplayViewDataset`` wraps the ``InstanceBagDataset``, so the
  anchor is the replayed view and the neighbour (seen by the student only)
  is drawn under the same seed; the bags come from the store folder;
* DisCo: ``MultiView(num_views=n, transforms=[view])`` becomes the single
  view, and each item replays ``n`` distinct stored views.
"""
import copy
from typing import Optional, Tuple

#: Dataset wrappers whose item holds one view of the wrapped image plus
#: images the teacher never embeds (the store holds the wrapped views).
STUDENT_ONLY_WRAPPERS = ('InstanceBagDataset', )


def _type(cfg) -> str:
    return str(cfg.get('type', '')).split('.')[-1]


def supports_store(model_type: str) -> bool:
    """Whether the distiller class ``model_type`` can read a store."""
    from lgd_mm.registry import MODELS
    cls = MODELS.get(model_type)
    return bool(getattr(cls, 'supports_store', False)) if cls else False


def split_multi_view(pipeline) -> Tuple[list, int]:
    """``pipeline`` with its ``MultiView`` step replaced by the one view it
    repeats, and the number of views (1 when there is no ``MultiView``).

    Raises:
        ValueError: for a ``MultiView`` of several different pipelines
            (its views cannot come from one store).
    """
    steps, count = [], 1
    for step in pipeline or ():
        if _type(step) != 'MultiView':
            steps.append(step)
            continue
        transforms, num = step.get('transforms'), step.get('num_views')
        if isinstance(num, (list, tuple)):
            num = num[0] if len(num) == 1 else None
        if not (isinstance(transforms, (list, tuple)) and len(transforms) == 1
                and isinstance(num, int)):
            raise ValueError(
                'train pipeline MultiView(num_views='
                f'{step.get("num_views")!r}, transforms=<{len(transforms)} '
                'pipelines>): replayed views need one view pipeline repeated '
                'num_views times')
        steps.extend(copy.deepcopy(list(transforms[0])))
        count = num
    return steps, count


def replay_source(dataset_cfg) -> Tuple[dict, int]:
    """The single-view dataset config whose views a store holds, and the
    views each training item replays.

    Unwraps ``ReplayViewDataset`` and the student-only wrappers
    (``InstanceBagDataset``) and splits a ``MultiView`` pipeline.
    """
    cfg = dataset_cfg
    while _type(cfg) in ('ReplayViewDataset', ) + STUDENT_ONLY_WRAPPERS:
        cfg = cfg['dataset']
    return _single_view(cfg)


def _single_view(dataset_cfg) -> Tuple[dict, int]:
    """A copy of ``dataset_cfg`` with a ``MultiView`` pipeline split into
    its one view, and the number of views (see :func:`split_multi_view`)."""
    cfg = dict(dataset_cfg)
    pipeline, count = split_multi_view(cfg.get('pipeline'))
    if count > 1:
        cfg['pipeline'] = pipeline
    return cfg, count


def replay_views_cfg(cfg,
                     store: Optional[str] = None,
                     num_views: Optional[int] = None,
                     seed: Optional[int] = None):
    """Make a distillation config replay stored views, in place.

    * ``train_dataloader.dataset`` is wrapped in ``ReplayViewDataset``
      (a ``MultiView`` pipeline becomes its single view with
      ``views_per_item`` = its ``num_views``), and the sampler becomes
      ``ReplayViewSampler`` (DefaultSampler's ``shuffle`` / ``seed`` /
      ``round_up`` kept);
    * with ``store``, ``model.teacher`` becomes ``StoredTeacher`` around the
      config's teacher, so training reads the store instead of running the
      image tower. Without it the teacher stays online and sees the same
      views (the equality check, and ``tools/cache_teacher.py``).

    Args:
        cfg (Config): A distillation config whose model class has
            ``supports_store`` (LGD, SEED, KD, BINGO, DisCo).
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
    if not supports_store(model.get('type', '')):
        raise ValueError(
            f'model.type={model.get("type")!r}: training from replayed '
            'teacher views needs a distiller with supports_store (LGD, '
            'SEED, KD, BINGO, DisCo; docs/teacher_store.md)')
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
    dataset, count = _single_view(dataset)
    wrapped = dict(type='lgd_mm.ReplayViewDataset', dataset=dataset)
    for name, value in dict(
            store=store, num_views=num_views, seed=seed).items():
        if value is not None:
            wrapped[name] = value
    if count > 1:
        wrapped['views_per_item'] = count
    loader['dataset'] = wrapped
    if store is not None and _type(model.teacher) != 'StoredTeacher':
        model.teacher = dict(
            type='lgd_mm.StoredTeacher', store=store, teacher=model.teacher)
    return cfg
