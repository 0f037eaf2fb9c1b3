"""Read a teacher-embedding store (written by ``tools/cache_teacher.py``).

Layout of a store folder::

    manifest.json          key, views, shard list; ``complete`` once all
                           shards are written
    shard-00000.npy ...    (images, views, dim) embeddings, fp16 or fp32,
                           images [start, stop) of the data list

Shards are written atomically (a temporary file renamed into place), so a
shard that exists is whole; the manifest records each shard's size, and a
store is only read once its manifest says ``complete``. Shards are opened
memory-mapped on first use in each process, so loader workers each read
their own pages and nothing is loaded up front.
"""
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from .keys import KEY_PARTS, STORE_FORMAT, describe_difference

MANIFEST = 'manifest.json'


class TeacherStoreError(ValueError):
    """A teacher store that cannot be used for this run."""


def shard_name(index: int) -> str:
    """File name of shard ``index``."""
    return f'shard-{index:05d}.npy'


def read_manifest(path: str) -> dict:
    """The manifest of the store at ``path``.

    Raises:
        TeacherStoreError: if there is none, it is unreadable or of another
            format.
    """
    file = osp.join(path, MANIFEST)
    if not osp.isdir(path):
        raise TeacherStoreError(
            f'teacher store {path} does not exist; write it first with '
            'tools/cache_teacher.py CONFIG --views K --out ' + path)
    if not osp.isfile(file):
        raise TeacherStoreError(
            f'teacher store {path} has no {MANIFEST}: not a store, or '
            'tools/cache_teacher.py was stopped before it started; rerun it '
            'with --out ' + path)
    try:
        with open(file) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise TeacherStoreError(f'teacher store manifest {file} is unreadable '
                                f'({type(e).__name__}: {e})') from None
    if not isinstance(manifest, dict) or \
            manifest.get('format') != STORE_FORMAT:
        found = manifest.get('format') if isinstance(manifest, dict) else None
        raise TeacherStoreError(
            f'teacher store {path} has format {found!r}, expected '
            f'{STORE_FORMAT!r}; rebuild it with tools/cache_teacher.py')
    return manifest


def check_shard_file(file: str, shape: Sequence[int], dtype: str) -> str:
    """What is wrong with a shard file ('' if nothing)."""
    if not osp.isfile(file):
        return 'missing'
    try:
        arr = np.load(file, mmap_mode='r')
    except (OSError, ValueError) as e:
        return f'unreadable ({type(e).__name__}: {e})'
    if tuple(arr.shape) != tuple(shape) or str(arr.dtype) != dtype:
        return (f'holds {str(arr.dtype)} {tuple(arr.shape)}, expected '
                f'{dtype} {tuple(shape)}')
    return ''


class TeacherStore:
    """A complete teacher-embedding store, checked and ready to read.

    Opening reads the manifest only and checks that every shard is there
    with its recorded size; embeddings are read on demand.

    Args:
        path (str): Store folder.

    Raises:
        TeacherStoreError: if the store is incomplete, of another format,
            or a shard is missing or truncated.
    """

    def __init__(self, path: str):
        self.path = osp.abspath(osp.expanduser(path))
        self.manifest = read_manifest(self.path)
        m = self.manifest
        if not m.get('complete'):
            missing = [
                s['file'] for s in m['shards'] if check_shard_file(
                    osp.join(self.path, s['file']), (
                        s['stop'] - s['start'], m['num_views'],
                        m['embed_dim']), m['dtype'])
            ]
            raise TeacherStoreError(
                f'teacher store {self.path} is incomplete: {len(missing)} of '
                f'{len(m["shards"])} shards missing ({", ".join(missing[:3])}'
                f'{", ..." if len(missing) > 3 else ""}); rerun '
                f'tools/cache_teacher.py with --out {self.path} to fill them')
        for shard in m['shards']:
            file = osp.join(self.path, shard['file'])
            size = osp.getsize(file) if osp.isfile(file) else None
            if size != shard['bytes']:
                raise TeacherStoreError(
                    f'teacher store {self.path}: shard {shard["file"]} is ' +
                    ('missing' if size is None else
                     f'{size} bytes, the manifest says {shard["bytes"]} '
                     '(truncated or replaced)') +
                    '; delete it and rerun tools/cache_teacher.py with '
                    f'--out {self.path}')
        self._starts = np.array([s['start'] for s in m['shards']])
        self._arrays: Dict[int, np.ndarray] = {}

    @property
    def num_images(self) -> int:
        return int(self.manifest['num_images'])

    @property
    def num_views(self) -> int:
        return int(self.manifest['num_views'])

    @property
    def embed_dim(self) -> int:
        return int(self.manifest['embed_dim'])

    @property
    def seed(self) -> int:
        return int(self.manifest['key']['views']['seed'])

    def check(self, part: str, expected: dict) -> None:
        """Refuse the store if key ``part`` differs from ``expected``.

        Raises:
            TeacherStoreError: naming the store, the part and the fields
                that differ.
        """
        if part not in KEY_PARTS:
            raise KeyError(f'unknown key part {part!r}; one of {KEY_PARTS}')
        found = self.manifest['key'][part]
        if found == expected:
            return
        what = dict(
            teacher='another teacher',
            inputs='another input normalisation (data_preprocessor)',
            data='another data list',
            views='another view pipeline or seed')[part]
        raise TeacherStoreError(
            f'teacher store {self.path} was made for {what} '
            f'({describe_difference(expected, found)}); rebuild it with '
            'tools/cache_teacher.py for this config, or point at the store '
            'made for it')

    def check_views(self, needed: int) -> None:
        """Refuse the store if it holds fewer than ``needed`` views."""
        if needed > self.num_views:
            raise TeacherStoreError(
                f'teacher store {self.path} holds {self.num_views} views per '
                f'image; this run asks for {needed}')

    def _shard(self, number: int) -> np.ndarray:
        arr = self._arrays.get(number)
        if arr is None:
            arr = np.load(
                osp.join(self.path, self.manifest['shards'][number]['file']),
                mmap_mode='r')
            self._arrays[number] = arr
        return arr

    def get(self,
            index: int,
            views: Optional[Sequence[int]] = None) -> np.ndarray:
        """Embeddings of image ``index``: (len(views), D), or (K, D) for
        all views."""
        if not 0 <= index < self.num_images:
            raise IndexError(f'image {index} out of range for teacher store '
                             f'{self.path} ({self.num_images} images)')
        number = int(np.searchsorted(self._starts, index, side='right')) - 1
        row = self._shard(number)[index - self._starts[number]]
        if views is None:
            return np.array(row)
        return np.array(row[list(views)])

    def __getstate__(self):
        # loader workers open their own memory maps
        state = dict(self.__dict__)
        state['_arrays'] = {}
        return state
