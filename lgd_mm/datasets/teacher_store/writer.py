"""Write a teacher-embedding store: the frozen teacher run once over ``K``
reproducible views of every training image (``tools/cache_teacher.py``).

Resumable: shards are written atomically, a rerun with the same key skips
the shards already there and fills the rest; a folder holding a store of
another key is refused. Distributed: rank ``r`` writes shards
``r, r + W, ...`` and rank 0 writes the final manifest after a barrier.
"""
import os
import os.path as osp
import sys
import time
from typing import Callable, List

import numpy as np
import torch
from mmengine.dataset import default_collate
from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader, Dataset

from lgd_mm.utils.fileio import atomic_json_dump, atomic_write
from .keys import STORE_FORMAT
from .store import (MANIFEST, TeacherStore, TeacherStoreError,
                    check_shard_file, read_manifest, shard_name)

_DTYPES = ('float16', 'float32')


class _ShardViews(Dataset):
    """Every view of images ``[start, stop)``, image-major."""

    def __init__(self, replay, start: int, stop: int):
        self.replay, self.start = replay, start
        self.num_views = replay.num_views
        self.length = (stop - start) * self.num_views

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        index, view = divmod(i, self.num_views)
        return self.replay.view_sample(self.start + index, view)


def _plan(num_images: int, shard_size: int) -> List[dict]:
    return [
        dict(
            file=shard_name(n),
            start=start,
            stop=min(start + shard_size, num_images))
        for n, start in enumerate(range(0, num_images, shard_size))
    ]


def _start_manifest(out: str, manifest: dict) -> None:
    """Write the incomplete manifest, or refuse a folder of another store."""
    if osp.isfile(osp.join(out, MANIFEST)):
        old = read_manifest(out)
        same = {
            k: old.get(k)
            for k in ('key', 'num_views', 'dtype', 'shard_size', 'embed_dim')
        }
        new = {k: manifest[k] for k in same}
        if same != new:
            changed = [k for k in same if same[k] != new[k]]
            if 'key' in changed:
                changed.remove('key')
                changed = [
                    f'key.{p}' for p in manifest['key']
                    if old['key'].get(p) != manifest['key'][p]
                ] + changed
            raise TeacherStoreError(
                f'{out} holds a teacher store made with other settings '
                f'({", ".join(changed)} differ); use another --out or '
                'delete it')
        return
    atomic_json_dump(manifest, osp.join(out, MANIFEST), indent=1)


def write_teacher_store(out: str,
                        embed: Callable,
                        preprocess: Callable,
                        replay,
                        key: dict,
                        shard_size: int = 4096,
                        dtype: str = 'float16',
                        batch_size: int = 256,
                        num_workers: int = 4,
                        extra: dict = None) -> dict:
    """Embed every view of every image and write the store at ``out``.

    Args:
        out (str): Store folder (created).
        embed (Callable): Normalised images (B, 3, H, W) -> L2-normalised
            embeddings (B, D): the frozen teacher.
        preprocess (Callable): The model's data preprocessor.
        replay: A ``ReplayViewDataset`` without a store: ``num_views``,
            ``view_sample(index, view)``.
        key (dict): The four key parts (:mod:`.keys`).
        shard_size (int): Images per shard. Defaults to 4096.
        dtype (str): 'float16' (default) or 'float32'.
        batch_size (int): Views per teacher forward. Defaults to 256.
        num_workers (int): Loader workers. Defaults to 4.
        extra (dict, optional): More fields for the manifest (e.g. the
            command line).

    Returns:
        dict: Timings: ``views`` embedded by this rank, ``seconds``.
    """
    if dtype not in _DTYPES:
        raise ValueError(f'store dtype must be one of {_DTYPES}, got '
                         f'{dtype!r}')
    if replay.num_views < 1:
        raise ValueError(f'--views must be >= 1, got {replay.num_views}')
    if shard_size < 1:
        raise ValueError(f'--shard-size must be >= 1, got {shard_size}')
    rank, world = get_dist_info()
    num_images, num_views = len(replay), replay.num_views
    embed_dim = int(key['teacher']['embed_dim'])
    shards = _plan(num_images, shard_size)
    manifest = dict(
        format=STORE_FORMAT,
        complete=False,
        key=key,
        num_images=num_images,
        num_views=num_views,
        embed_dim=embed_dim,
        dtype=dtype,
        shard_size=shard_size,
        shards=shards,
        **(extra or {}))
    out = osp.abspath(out)
    if rank == 0:
        os.makedirs(out, exist_ok=True)
        _start_manifest(out, manifest)
    barrier()

    def shape(s):
        return (s['stop'] - s['start'], num_views, embed_dim)

    def problems():
        return [
            check_shard_file(osp.join(out, s['file']), shape(s), dtype)
            for s in shards
        ]

    # a shard that is there and whole is kept (resume); the rest is written
    missing = problems()
    mine = [
        s for n, s in enumerate(shards) if n % world == rank and missing[n]
    ]
    todo = sum(shape(s)[0] for s in mine) * num_views
    done_before = sum(not p for p in missing)
    if rank == 0:
        print_log(
            f'teacher store {out}: {num_images} images x {num_views} views, '
            f'{len(shards)} shards ({done_before} already written); rank 0 '
            f'embeds {todo} views',
            logger='current')
    # file= at call time: follows a redirected stdout (tools/demo.py)
    bar = ProgressBar(todo, file=sys.stdout) if rank == 0 and todo else None
    start_time = time.perf_counter()
    for shard in mine:
        loader = DataLoader(
            _ShardViews(replay, shard['start'], shard['stop']),
            batch_size=batch_size,
            num_workers=num_workers,
            collate_fn=default_collate)
        parts = []
        with torch.no_grad():
            for batch in loader:
                inputs = preprocess(batch, False)['inputs']
                if isinstance(inputs, (list, tuple)):
                    inputs = inputs[0]
                z = embed(inputs)
                parts.append(z.float().cpu().numpy().astype(dtype))
                if bar is not None:
                    bar.update(len(z))
        arr = np.concatenate(parts).reshape(shape(shard))
        with atomic_write(osp.join(out, shard['file']), 'wb') as f:
            np.save(f, arr)
    seconds = time.perf_counter() - start_time
    if bar is not None:
        print(file=sys.stdout)
    barrier()
    if rank == 0:
        bad = {
            s['file']: problem
            for s, problem in zip(shards, problems()) if problem
        }
        if bad:
            raise TeacherStoreError(
                f'teacher store {out}: shards not written: {bad}')
        for s in shards:
            s['bytes'] = osp.getsize(osp.join(out, s['file']))
        manifest['complete'] = True
        atomic_json_dump(manifest, osp.join(out, MANIFEST), indent=1)
        TeacherStore(out)  # what a training run will check
    barrier()
    return dict(views=todo, seconds=seconds)
