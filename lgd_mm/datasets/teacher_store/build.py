"""Write the teacher store of a distillation config (what
``tools/cache_teacher.py`` and the demo call)."""
import os.path as osp
import sys
import time
from typing import Optional

import torch
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

from lgd_mm.registry import MODELS
from ..bingo_neighbors import STORE_BAGS
from .config import replay_source
from .keys import store_key
from .replay_dataset import ReplayViewDataset
from .writer import write_teacher_store


def _device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device('cuda', torch.cuda.current_device())
    return torch.device('cpu')


def cache_teacher(cfg,
                  out: str,
                  num_views: int,
                  seed: int = 0,
                  shard_size: int = 4096,
                  dtype: str = 'float16',
                  batch_size: Optional[int] = None,
                  num_workers: Optional[int] = None) -> dict:
    """Embed ``num_views`` views of every training image of ``cfg`` with
    its frozen teacher and write the store at ``out``.

    The teacher, data preprocessor and training dataset are the config's
    own, so the store's key matches what a run of ``cfg`` checks. The views
    are those of the single-view pipeline (:func:`.config.replay_source`),
    so stores of LGD, SEED, KD, BINGO and DisCo configs with the same view
    pipeline are one store. For a config with a ``BagNeighborsHook``
    (BINGO) the online teacher's bags are written to ``<out>/bingo_knn``
    too; a rerun on a complete store only adds what is missing.

    Args:
        cfg (Config): A distillation config (``model.teacher``,
            ``train_dataloader.dataset``).
        out (str): Store folder.
        num_views (int): Views per image ``K`` (>= 1).
        seed (int): Seed of the views. Defaults to 0.
        shard_size (int): Images per shard. Defaults to 4096.
        dtype (str): 'float16' or 'float32'. Defaults to 'float16'.
        batch_size (int, optional): Views per forward. Defaults to the
            config's train batch size.
        num_workers (int, optional): Loader workers. Defaults to the
            config's.

    Returns:
        dict: ``views`` embedded here, ``seconds``, ``views_per_s``; for
        BINGO configs also ``bags`` (where they came from) and
        ``bags_seconds``.
    """
    if int(num_views) < 1:
        raise ValueError(f'--views must be >= 1 (views per image), got '
                         f'{num_views}')
    init_default_scope(cfg.get('default_scope', 'lgd_mm'))
    loader = cfg.train_dataloader
    dataset_cfg, _ = replay_source(loader['dataset'])
    teacher_cfg = cfg.model.teacher
    if str(teacher_cfg.get('type', '')).endswith('StoredTeacher'):
        teacher_cfg = teacher_cfg['teacher']
    replay = ReplayViewDataset(
        dataset=dict(dataset_cfg), num_views=num_views, seed=seed)
    pre_cfg = cfg.model.get('data_preprocessor') or cfg.get(
        'data_preprocessor')
    preprocessor = MODELS.build(pre_cfg)
    teacher = MODELS.build(teacher_cfg)
    device = _device()
    teacher.to(device)
    preprocessor.to(device)
    key = store_key(teacher, preprocessor, replay)
    result = write_teacher_store(
        out,
        embed=teacher,
        preprocess=preprocessor,
        replay=replay,
        key=key,
        shard_size=shard_size,
        dtype=dtype,
        batch_size=batch_size or loader.get('batch_size', 64),
        num_workers=loader.get('num_workers', 0)
        if num_workers is None else num_workers,
        extra=dict(
            teacher_cfg=teacher_cfg.to_dict() if hasattr(
                teacher_cfg, 'to_dict') else dict(teacher_cfg),
            command=' '.join(sys.argv)))
    result['views_per_s'] = result['views'] / max(result['seconds'], 1e-9)
    bags = _bag_hook(cfg)
    if bags is not None:
        hook, k = bags
        start = time.perf_counter()
        with torch.no_grad():
            table, origin = hook.fill_cache(teacher, preprocessor,
                                            replay.dataset, k,
                                            osp.join(out, STORE_BAGS))
        result['bags'] = origin
        result['bags_seconds'] = time.perf_counter() - start
        print_log(
            f'teacher store {out}: BINGO bags {tuple(table.shape)} '
            f'from {origin}',
            logger='current')
    return result


def _bag_hook(cfg):
    """The config's ``BagNeighborsHook`` (built) and BINGO's ``k``, or
    None when the config has no bags."""
    from lgd_mm.registry import HOOKS
    for hook_cfg in cfg.get('custom_hooks') or ():
        if str(hook_cfg.get('type', '')).split('.')[-1] == 'BagNeighborsHook':
            model_cls = MODELS.get(cfg.model.type)
            k = cfg.model.get(
                'num_neighbors',
                getattr(model_cls, 'default_num_neighbors', None))
            if k is None:
                raise ValueError(
                    f'custom_hooks has a BagNeighborsHook but model.type='
                    f'{cfg.model.type!r} has no num_neighbors')
            return HOOKS.build(dict(hook_cfg)), int(k)
    return None
