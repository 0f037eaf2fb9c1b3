"""BINGO's kNN pre-pass: teacher embeddings of the training set, top-k
cosine neighbours by chunked matmul, and a disk cache keyed by what they
depend on (lgd_method.md §6)."""
import hashlib
import json
import os.path as osp
import warnings
from typing import Callable, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.dataset import Compose, default_collate
from mmengine.dist import all_gather, get_dist_info
from torch.utils.data import DataLoader, Dataset

from lgd_mm.models.teachers.factory import module_fingerprint
from lgd_mm.utils.fileio import atomic_torch_save

# Bump when the way bags are computed changes, so old caches miss.
_CACHE_FORMAT = 'lgd_mm.bingo_knn.v1'
#: Sub-folder of a teacher store that holds BINGO's bags.
STORE_BAGS = 'bingo_knn'


def bag_cache_path(cache_dir: str, key: str) -> str:
    """The cache file of the bags of ``key`` in ``cache_dir``."""
    return osp.join(cache_dir, f'knn-{key[:16]}.pth')


@torch.no_grad()
def knn_topk(features: torch.Tensor,
             k: int,
             chunk_size: int = 8192) -> torch.Tensor:
    """The ``k`` nearest neighbours of every row by cosine similarity.

    Row blocks of the L2-normalised features are multiplied with all rows
    and reduced by ``topk(k + 1)``, so memory stays at ``chunk_size x N``
    similarities. Each row's own entry is masked out first, so duplicates
    of an image are still found as neighbours and the row itself never is.

    Args:
        features (torch.Tensor): (N, D) embeddings (normalised here).
        k (int): Neighbours per row; must be < N.
        chunk_size (int): Rows per block. Defaults to 8192.

    Returns:
        torch.Tensor: int32 (N, k) indices, nearest first.
    """
    num = features.size(0)
    if not 0 < k < num:
        raise ValueError(f'need 0 < k < N, got k={k} for N={num}')
    feats = F.normalize(features.float(), dim=1)
    out = torch.empty(num, k, dtype=torch.int32, device=feats.device)
    for start in range(0, num, chunk_size):
        rows = torch.arange(
            start, min(start + chunk_size, num), device=feats.device)
        sims = feats[rows] @ feats.t()
        sims[torch.arange(rows.numel(), device=feats.device), rows] = \
            -float('inf')
        out[rows] = sims.topk(k, dim=1).indices.to(torch.int32)
    return out


def data_list_of(dataset) -> List[str]:
    """The image paths of an mmengine dataset, in index order."""
    return [
        str(dataset.get_data_info(i).get('img_path', i))
        for i in range(len(dataset))
    ]


def teacher_fingerprint(teacher) -> str:
    """sha256 of the weights a teacher embeds images with."""
    if hasattr(teacher, 'fingerprint'):
        return teacher.fingerprint()
    clip = getattr(teacher, 'clip', None)
    return module_fingerprint(clip.visual if clip is not None else teacher)


def bag_cache_key(teacher, data_list: Sequence[str], pipeline: Sequence,
                  k: int) -> str:
    """sha256 of everything the bags depend on: teacher name and weights,
    the data list (order included), the embedding pipeline and ``k``."""
    payload = dict(
        format=_CACHE_FORMAT,
        teacher=getattr(teacher, 'model_name',
                        type(teacher).__name__),
        teacher_weights=teacher_fingerprint(teacher),
        data_list=hashlib.sha256('\n'.join(data_list).encode()).hexdigest(),
        num_images=len(data_list),
        pipeline=json.dumps(list(pipeline), sort_keys=True, default=str),
        k=int(k))
    return hashlib.sha256(json.dumps(payload,
                                     sort_keys=True).encode()).hexdigest()


def check_bags(table,
               num_images: Optional[int] = None,
               k: Optional[int] = None) -> Optional[str]:
    """What is wrong with a neighbour table (None if nothing).

    A table must be an integer (N, k) tensor whose entries index the
    ``num_images`` training images; an all-zero table (a buffer never
    filled) is refused, as it would make every bag image 0.

    Args:
        table: The candidate table.
        num_images (int, optional): N, the number of training images.
        k (int, optional): Neighbours per row.
    """
    if not torch.is_tensor(table) or table.dim() != 2 or \
            table.dtype.is_floating_point or table.dtype == torch.bool:
        desc = (f'{table.dtype} tensor of shape {tuple(table.shape)}'
                if torch.is_tensor(table) else type(table).__name__)
        return f'not an integer (N, k) neighbour table: {desc}'
    rows, cols = table.shape
    if num_images is not None and rows != num_images or \
            k is not None and cols != k:
        return (f'shape {(rows, cols)}, expected ({num_images}, {k}) '
                '(images x neighbours)')
    if table.numel() == 0:
        return 'an empty table'
    if not table.any():
        return 'an all-zero table (never filled)'
    low, high = int(table.min()), int(table.max())
    if low < 0 or num_images is not None and high >= num_images:
        return (f'indices out of range: {low}..{high} for '
                f'{num_images if num_images is not None else "N"} images')
    return None


def load_bags(path: str,
              key: str,
              num_images: Optional[int] = None,
              k: Optional[int] = None) -> Optional[torch.Tensor]:
    """The cached table at ``path`` if it was computed for ``key``.

    A file that cannot be read (empty, truncated, not a cache), was made
    for another key, or holds an invalid table (see :func:`check_bags`) is
    reported with a warning naming the file and gives None, so the caller
    recomputes and overwrites it.
    """
    if not osp.exists(path):
        return None
    try:
        blob = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # empty, truncated, unsafe pickle, a folder
        problem = f'unreadable ({type(e).__name__}: {e})'
    else:
        if not isinstance(blob, dict) or not {'key', 'neighbors'} <= set(blob):
            problem = 'not a BINGO neighbour cache (no key/neighbors)'
        elif blob['key'] != key:
            problem = (f'made for another key ({str(blob["key"])[:16]}, '
                       f'expected {key[:16]})')
        else:
            problem = check_bags(blob['neighbors'], num_images, k)
    if problem is None:
        return blob['neighbors']
    warnings.warn(f'BINGO neighbour cache {path} is {problem}; '
                  'recomputing the bags and overwriting it')
    return None


def save_bags(path: str, key: str, neighbors: torch.Tensor,
              meta: dict) -> bool:
    """Write a table atomically (write, then rename).

    The cache is optional: a write that fails (full disk, no permission)
    warns naming the path and returns False; training goes on.
    """
    try:
        atomic_torch_save(
            dict(key=key, neighbors=neighbors.cpu().to(torch.int32), **meta),
            path)
    except OSError as e:
        warnings.warn(f'could not write the BINGO neighbour cache {path} '
                      f'({type(e).__name__}: {e}); continuing without it')
        return False
    return True


class _PipelineView(Dataset):
    """Items ``indices`` of ``dataset`` through another ``pipeline``."""

    def __init__(self, dataset, pipeline, indices):
        self.dataset, self.indices = dataset, list(indices)
        self.pipeline = Compose(pipeline)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        return self.pipeline(self.dataset.get_data_info(self.indices[i]))


@torch.no_grad()
def embed_dataset(embed: Callable,
                  preprocess: Callable,
                  dataset,
                  pipeline: Sequence,
                  batch_size: int = 256,
                  num_workers: int = 4) -> torch.Tensor:
    """Embed every image of ``dataset`` with ``embed``, split over ranks.

    Rank ``r`` embeds indices ``r, r + W, ...``; the shards are gathered,
    so every rank returns the same (N, D) matrix in dataset order.

    Args:
        embed (Callable): images (B, 3, H, W) -> embeddings (B, D).
        preprocess (Callable): the model's data preprocessor.
        dataset: mmengine dataset (``get_data_info`` + ``len``).
        pipeline (Sequence): Transforms ending in ``PackInputs``.
        batch_size (int): Images per forward. Defaults to 256.
        num_workers (int): Loader workers. Defaults to 4.
    """
    rank, world = get_dist_info()
    num = len(dataset)
    loader = DataLoader(
        _PipelineView(dataset, pipeline, range(rank, num, world)),
        batch_size=batch_size,
        num_workers=num_workers,
        collate_fn=default_collate)
    parts = [
        embed(preprocess(batch, False)['inputs']).float() for batch in loader
    ]
    mine = torch.cat(parts) if parts else torch.zeros(0, 0)
    if world == 1:
        return mine
    # equal shapes for all_gather: pad every shard to the longest one
    rows = -(-num // world)
    padded = mine.new_zeros(rows, mine.size(1))
    padded[:mine.size(0)] = mine
    shards = all_gather(padded)
    out = mine.new_empty(num, mine.size(1))
    for r, shard in enumerate(shards):
        count = len(range(r, num, world))
        out[r::world] = shard[:count]
    return out
