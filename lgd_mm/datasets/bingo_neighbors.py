"""BINGO's kNN pre-pass: teacher embeddings of the training set, top-k
cosine neighbours by chunked matmul, and a disk cache keyed by what they
depend on (lgd_method.md §6)."""
import hashlib
import json
import os.path as osp
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


def load_bags(path: str, key: str) -> Optional[torch.Tensor]:
    """The cached table at ``path`` if it was computed for ``key``."""
    if not osp.exists(path):
        return None
    blob = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(blob, dict) or blob.get('key') != key:
        return None
    return blob['neighbors']


def save_bags(path: str, key: str, neighbors: torch.Tensor,
              meta: dict) -> None:
    """Write a table atomically (write, then rename)."""
    atomic_torch_save(
        dict(key=key, neighbors=neighbors.cpu().to(torch.int32), **meta), path)


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
