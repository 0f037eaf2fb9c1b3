"""Run BINGO's kNN pre-pass before training (or reuse its result)."""
import os.path as osp
import warnings
from typing import Optional, Sequence

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from lgd_mm.datasets.bingo_neighbors import (STORE_BAGS, bag_cache_key,
                                             bag_cache_path, check_bags,
                                             data_list_of, embed_dataset,
                                             knn_topk, load_bags, save_bags)
from lgd_mm.registry import HOOKS
from lgd_mm.utils.dataset_chain import dataset_chain

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

    A BINGO whose teacher reads a teacher store (``StoredTeacher``) cannot
    run the pre-pass; after 1. and 2. it looks in ``<store>/bingo_knn``,
    where ``tools/cache_teacher.py`` wrote the bags with the online teacher
    (same key), and otherwise stops with a message naming the store.

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

    def key(self, teacher, dataset, k: int) -> str:
        """The cache key of the bags of ``dataset`` (the wrapped one)."""
        return bag_cache_key(teacher, data_list_of(dataset), self.pipeline, k)

    def pre_pass(self, embed, preprocess, dataset, k: int):
        """Embed ``dataset`` with ``embed`` and rank the neighbours."""
        feats = embed_dataset(embed, preprocess, dataset, self.pipeline,
                              self.batch_size, self.num_workers)
        return knn_topk(feats, k, self.chunk_size)

    def write_pre_pass(self, teacher, preprocess, dataset, k: int,
                       cache_dir: str, key: str):
        """Run the pre-pass with ``teacher`` and write its table to
        ``cache_dir`` under ``key`` (rank 0 only).

        Returns:
            Tensor: The (N, k) table.
        """
        table = self.pre_pass(teacher, preprocess, dataset, k)
        if get_rank() == 0:
            save_bags(
                bag_cache_path(cache_dir, key), key, table,
                dict(teacher=str(teacher.model_name), k=k))
        return table

    def fill_cache(self, teacher, preprocess, dataset, k: int, cache_dir: str):
        """The bags of ``dataset`` from ``cache_dir``, or from a pre-pass
        with ``teacher`` written there (``tools/cache_teacher.py`` puts them
        in the store folder, for runs whose teacher reads the store).

        Returns:
            tuple: The (N, k) table and where it came from.
        """
        key = self.key(teacher, dataset, k)
        path = bag_cache_path(cache_dir, key)
        table = load_bags(path, key, len(dataset), k)
        if table is not None:
            return table, path
        return self.write_pre_pass(teacher, preprocess, dataset, k, cache_dir,
                                   key), 'pre-pass'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        dataset = _bag_dataset(runner.train_dataloader.dataset)
        if dataset is None or not hasattr(model, 'bags'):
            raise TypeError('BagNeighborsHook needs a model with bags '
                            '(BINGO) and an InstanceBagDataset')
        k = model.bags.num_neighbors
        num = len(dataset)
        key = self.key(model.teacher, dataset.dataset, k)
        cache_dir = self.cache_dir or osp.join(
            osp.abspath(runner.work_dir), 'bingo_knn')
        table = None
        if model.bags.key_hex == key:
            table, origin = model.bags.neighbors, 'checkpoint'
            problem = check_bags(table, num, k)
            if problem is not None:
                warnings.warn(f'the BINGO bags of the checkpoint are '
                              f'{problem}; looking for them again')
                table = None
        # a StoredTeacher has no image tower: its bags come from the store
        reads_store = getattr(model.teacher, 'reads_store', False)
        folders = [cache_dir]
        if reads_store:
            folders.append(osp.join(model.teacher.store.path, STORE_BAGS))
        for folder in folders if table is None else ():
            path = bag_cache_path(folder, key)
            table, origin = load_bags(path, key, num, k), path
            if table is not None:
                break
        if table is None and reads_store:
            raise ValueError(
                f'teacher store {model.teacher.store.path} holds no BINGO '
                f'bags for this run (k={k}, key {key[:16]}: this data list '
                'and bag pipeline); write them with tools/cache_teacher.py '
                f'<this config> --out {model.teacher.store.path} (the stored '
                'views are kept, only the bags are computed)')
        if table is None:
            table = self.write_pre_pass(model.teacher, model.data_preprocessor,
                                        dataset.dataset, k, cache_dir, key)
            origin = 'pre-pass'
        model.bags.set(table, key)
        dataset.set_neighbors(table)
        print_log(
            f'BINGO bags: {tuple(table.shape)} from {origin} '
            f'(key {key[:16]})',
            logger='current')


def _bag_dataset(dataset):
    """The ``InstanceBagDataset`` in a chain of dataset wrappers (e.g. inside
    a ``ReplayViewDataset``), or None."""
    return next(
        (d for d in dataset_chain(dataset) if hasattr(d, 'set_neighbors')),
        None)
