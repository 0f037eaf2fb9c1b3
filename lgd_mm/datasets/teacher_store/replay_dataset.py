"""Training images as reproducible views, with their stored teacher
embeddings."""
import copy
from typing import Optional

import torch
from torch.utils.data import Dataset

from lgd_mm.registry import DATASETS
from lgd_mm.utils.dataset_chain import dataset_chain
from .keys import data_part, views_part
from .store import TeacherStore
from .views import epoch_views, seeded_random, view_seed


def _view_pipeline(dataset: dict):
    """The pipeline config of ``dataset`` or, for a wrapper such as
    ``InstanceBagDataset``, of the dataset it wraps (the views it
    replays)."""
    return next((d['pipeline']
                 for d in dataset_chain(dataset) if 'pipeline' in d), None)


@DATASETS.register_module()
class ReplayViewDataset(Dataset):
    """Wrap a training dataset so that each epoch replays stored views.

    Item ``(index, epoch)`` (from :class:`ReplayViewSampler`) is view
    ``k = epoch_views(seed, index, epoch, K)`` of image ``index``: the wrapped
    dataset's own pipeline run under a random state seeded from
    ``(seed, index, k)`` (:mod:`.views`). With a ``store``, the teacher's
    embeddings of those views are attached to the data sample as
    ``teacher_embedding`` (V, D), read here, i.e. in the loader workers, for
    :class:`~lgd_mm.models.StoredTeacher`. Without one, the same views are
    produced for a run whose teacher runs online (the equality check and
    ``tools/cache_teacher.py``).

    The data list and the pipeline config are checked against the store's
    key when the dataset is built, so a store of other data or other views
    is refused before training starts.

    Args:
        dataset (dict | Dataset): The training dataset (its pipeline ends in
            ``PackInputs`` and makes one view), or an
            ``InstanceBagDataset`` around it: the anchor is the replayed
            view, the neighbour is drawn under the view's seed too.
        store (str, optional): Teacher store folder. Defaults to None.
        num_views (int, optional): Views per image ``K``. Defaults to all
            the store holds; required without a store.
        seed (int, optional): Seed of the views. Defaults to the store's;
            0 without a store.
        views_per_item (int): Distinct views per item (one per step for the
            single-view methods). Defaults to 1.
    """

    def __init__(self,
                 dataset,
                 store: Optional[str] = None,
                 num_views: Optional[int] = None,
                 seed: Optional[int] = None,
                 views_per_item: int = 1):
        if isinstance(dataset, dict):
            self.pipeline_cfg = copy.deepcopy(_view_pipeline(dataset))
            dataset = DATASETS.build(dataset)
        else:
            pipeline = next((d.pipeline for d in dataset_chain(dataset)
                             if getattr(d, 'pipeline', None) is not None),
                            None)
            self.pipeline_cfg = [repr(pipeline)] if pipeline else None
        self.dataset = dataset
        self.views_per_item = int(views_per_item)
        self.store = TeacherStore(store) if store is not None else None
        if self.store is not None:
            if seed is not None and seed != self.store.seed:
                raise ValueError(
                    f'ReplayViewDataset seed={seed}, but teacher store '
                    f'{self.store.path} holds the views of seed '
                    f'{self.store.seed}; leave seed unset to use the '
                    "store's")
            seed = self.store.seed
            num_views = self.store.num_views if num_views is None \
                else num_views
            self.store.check_views(num_views)
            self.store.check('data', data_part(self.dataset))
            self.store.check('views', views_part(self.pipeline_cfg, seed))
        if num_views is None or int(num_views) < 1:
            raise ValueError(f'ReplayViewDataset needs num_views >= 1, got '
                             f'{num_views}')
        self.num_views = int(num_views)
        self.seed = 0 if seed is None else int(seed)
        if not 0 < self.views_per_item <= self.num_views:
            raise ValueError(
                f'views_per_item={views_per_item} needs 1..num_views '
                f'({self.num_views}) distinct views')

    @property
    def metainfo(self) -> dict:
        return getattr(self.dataset, 'metainfo', {})

    def __len__(self) -> int:
        return len(self.dataset)

    def key_views(self) -> dict:
        """This dataset's ``views`` key part."""
        return views_part(self.pipeline_cfg, self.seed)

    def view_sample(self, index: int, view: int) -> dict:
        """View ``view`` of image ``index``, packed by the pipeline."""
        with seeded_random(view_seed(self.seed, index, view)):
            return self.dataset[index]

    def __getitem__(self, item) -> dict:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise TypeError(
                f'ReplayViewDataset items are (index, epoch) pairs from '
                f'ReplayViewSampler, got {item!r}; set train_dataloader.'
                "sampler=dict(type='ReplayViewSampler')")
        index, epoch = int(item[0]), int(item[1])
        views = epoch_views(self.seed, index, epoch, self.num_views,
                            self.views_per_item)
        samples = [self.view_sample(index, k) for k in views]
        out = samples[0]
        if len(samples) > 1:
            out = dict(out, inputs=[s['inputs'] for s in samples])
        data_sample = out['data_samples']
        data_sample.set_field(torch.tensor(views), 'teacher_views')
        if self.store is not None:
            data_sample.set_field(
                torch.from_numpy(self.store.get(index, views)),
                'teacher_embedding')
        return out
