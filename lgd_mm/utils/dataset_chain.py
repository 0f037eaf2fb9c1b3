"""Walk a dataset and the datasets it wraps.

Wrappers (``InstanceBagDataset``, ``ReplayViewDataset``, mmengine's
``ConcatDataset``-style wrappers with one inner set) hold the wrapped
dataset under ``dataset``: a key in configs, an attribute once built. One
walk serves both, so every caller agrees on what "the wrapped dataset" is.
"""
from typing import Any, Iterator

__all__ = ['dataset_chain']


def dataset_chain(dataset: Any) -> Iterator[Any]:
    """Yield ``dataset`` and each dataset it wraps, outermost first.

    Args:
        dataset (dict | Dataset): A dataset config (the walk follows the
            ``dataset`` key while it holds a dict) or a built dataset (it
            follows the ``dataset`` attribute while there is one).
    """
    while dataset is not None:
        yield dataset
        if isinstance(dataset, dict):
            inner = dataset.get('dataset')
            dataset = inner if isinstance(inner, dict) else None
        else:
            dataset = getattr(dataset, 'dataset', None)
