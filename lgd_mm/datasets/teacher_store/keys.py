"""What a teacher store's embeddings depend on, as comparable key parts.

A store is keyed by four parts, each compared on its own so that a refused
store names what differs:

* ``teacher``: architecture, a sha256 of the image tower's weights, compute
  dtype, input size and embedding size;
* ``inputs``: the data preprocessor's normalisation (the teacher embeds
  normalised images);
* ``data``: the number of training images and a sha256 of their paths in
  dataset order;
* ``views``: a sha256 of the train pipeline config and the views' seed.

The number of stored views is checked separately: a store may hold more
views than a run uses, never fewer.
"""
import hashlib
import json
from typing import Optional, Sequence

from lgd_mm.datasets.bingo_neighbors import data_list_of, teacher_fingerprint
from lgd_mm.utils.meta import normalization_meta

#: Bump when the store layout or the key changes, so old stores are refused.
STORE_FORMAT = 'lgd_mm.teacher_store.v1'
#: Key parts, in the order mismatches are reported.
KEY_PARTS = ('teacher', 'inputs', 'data', 'views')


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def teacher_part(teacher) -> dict:
    """Key part of a frozen teacher (``CLIPTeacher``,
    ``MMPretrainTeacher`` or any module with ``embed_dim``)."""
    dtype = getattr(teacher, 'dtype', None)
    size = getattr(teacher, 'image_size', None)
    return dict(
        model=str(getattr(teacher, 'model_name',
                          type(teacher).__name__)),
        weights=teacher_fingerprint(teacher),
        dtype=str(dtype).replace('torch.', '') if dtype is not None else None,
        image_size=list(size) if size is not None else None,
        embed_dim=int(teacher.embed_dim))


def inputs_part(preprocessor) -> dict:
    """Key part of the input normalisation (0-255 RGB mean / std)."""
    return dict(normalization_meta(preprocessor))


def data_part(dataset) -> dict:
    """Key part of the training images (count, paths in order)."""
    paths = data_list_of(dataset)
    return dict(num_images=len(paths), paths=_sha256('\n'.join(paths)))


def views_part(pipeline: Optional[Sequence], seed: int) -> dict:
    """Key part of the views: the train pipeline config and the seed."""
    text = json.dumps(list(pipeline or ()), sort_keys=True, default=str)
    return dict(pipeline=_sha256(text), seed=int(seed))


def store_key(teacher, preprocessor, replay) -> dict:
    """The four key parts of a store of ``replay``'s views (a
    ``ReplayViewDataset``) embedded by ``teacher`` after ``preprocessor``."""
    return dict(
        teacher=teacher_part(teacher),
        inputs=inputs_part(preprocessor),
        data=data_part(replay.dataset),
        views=replay.key_views())


def describe_difference(expected: dict, found: dict) -> str:
    """``field: store X, config Y`` for every field that differs."""
    fields = sorted(set(expected) | set(found))
    parts = []
    for name in fields:
        a, b = found.get(name), expected.get(name)
        if a != b:
            a, b = (
                str(v)[:16] if isinstance(v, str) and len(v) == 64 else v
                for v in (a, b))
            parts.append(f'{name}: store {a}, this run {b}')
    return '; '.join(parts)
