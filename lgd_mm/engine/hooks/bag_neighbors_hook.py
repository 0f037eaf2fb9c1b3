"""Run BINGO's kNN pre-pass before training (or reuse its result)."""
import os.path as osp
import warnings
from typing import Optional, Sequence

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from lgd_mm.datasets.bingo_neighbors import (bag_cache_key, check_bags,
                                             data_list_of, embed_dataset,
                                             knn_topk, load_bags, save_bags)
from lgd_mm.registry import HOOKS

# Teacher-side evaluation transforms of the pre-pass (lgd_method.md §6).
DEFAULT_PIPELINE = (
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
)


@HOOKS.register_module()
class BagNeighborsHook(Hook):
    """Give BINGO its bags before the first iteration.

    Finds the ``k`` nearest teacher-space neighbours of every training
    image and hands the table to the model (``model.bags``, saved in
    checkpoints) and to the ``InstanceBagDataset``, from the first of:

    1. the model's own bags, when their key matches (a resumed run);
    2. the cache file ``<cache_dir>/knn-<key[:16]>.pth``;
    3. a pre-pass: every rank embeds a shard of the training set with the
       frozen teacher (``pipeline``: Resize 256 / CenterCrop 224), the
       shards are gathered, and ``knn_topk`` (chunked matmul + top-k, no
       faiss) ranks them; rank 0 writes the cache (a failed write warns
       and training goes on).

    A cache file that is unreadable, made for another key, or holds an
    invalid table (wrong shape, indices out of range, all zeros) is named
    in a warning and recomputed.

    The key is a sha256 of the teacher's weights, the data list, the
    pipeline and ``k``, so changing any of them recomputes the bags.

    Args:
        pipeline (Sequence[dict], optional): Transforms for the teacher's
            embeddings, ending in ``PackInputs``. Defaults to
            :data:`DEFAULT_PIPELINE`.
        batch_size (int): Images per teacher forward. Defaults to 256.
        num_workers (int): Loader workers of the pre-pass. Defaults to 8.
        chunk_size (int): Rows per similarity block. Defaults to 8192.
        cache_dir (str, optional): Where tables are kept. Defaults to
            ``<work_dir>/bingo_knn``, so runs never share (or race on) one
            folder; set it to share a pre-pass between runs.
    """
    priority = 'VERY_HIGH'

    def __init__(self,
                 pipeline: Optional[Sequence[dict]] = None,
                 batch_size: int = 256,
                 num_workers: int = 8,
                 chunk_size: int = 8192,
                 cache_dir: Optional[str] = None):
        self.pipeline = list(pipeline or DEFAULT_PIPELINE)
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.chunk_size = chunk_size
        self.cache_dir = cache_dir

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        dataset = runner.train_dataloader.dataset
        if not hasattr(dataset, 'set_neighbors') or not hasattr(model, 'bags'):
            raise TypeError('BagNeighborsHook needs a model with bags '
                            '(BINGO) and an InstanceBagDataset')
        k = model.bags.num_neighbors
        data_list = data_list_of(dataset)
        key = bag_cache_key(model.teacher, data_list, self.pipeline, k)
        cache_dir = self.cache_dir or osp.join(
            osp.abspath(runner.work_dir), 'bingo_knn')
        path = osp.join(cache_dir, f'knn-{key[:16]}.pth')
        num = len(data_list)
        table = None
        if model.bags.key_hex == key:
            table, origin = model.bags.neighbors, 'checkpoint'
            problem = check_bags(table, num, k)
            if problem is not None:
                warnings.warn(f'the BINGO bags of the checkpoint are '
                              f'{problem}; looking for them again')
                table = None
        if table is None:
            table, origin = load_bags(path, key, num, k), path
        if table is None:
            feats = embed_dataset(model.teacher_embed, model.data_preprocessor,
                                  dataset.dataset, self.pipeline,
                                  self.batch_size, self.num_workers)
            table, origin = knn_topk(feats, k, self.chunk_size), 'pre-pass'
            if get_rank() == 0:
                save_bags(path, key, table,
                          dict(teacher=str(model.teacher.model_name), k=k))
        model.bags.set(table, key)
        dataset.set_neighbors(table)
        print_log(
            f'BINGO bags: {tuple(table.shape)} from {origin} '
            f'(key {key[:16]})',
            logger='current')
