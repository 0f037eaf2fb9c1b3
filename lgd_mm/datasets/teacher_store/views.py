"""Reproducible views: view ``k`` of image ``i`` is the train pipeline run
under a random state seeded from ``(seed, i, k)``.

The store (docs/teacher_store.md) keeps the teacher's embedding of every
view; training replays the same view from its seed, so the student sees
exactly the image the stored embedding was computed from. Any pipeline
whose randomness comes from Python's ``random``, NumPy's global state or
torch's CPU generator (mmcv, mmpretrain and torchvision transforms) replays
this way, with no change to the transforms.
"""
import random
from contextlib import contextmanager
from typing import Iterator, List

import numpy as np
import torch


def view_seed(seed: int, index: int, view: int) -> int:
    """The 32-bit random seed of view ``view`` of image ``index``."""
    state = np.random.SeedSequence([int(seed), int(index), int(view)])
    return int(state.generate_state(1)[0])


def epoch_views(seed: int,
                index: int,
                epoch: int,
                num_views: int,
                count: int = 1) -> List[int]:
    """The ``count`` stored views image ``index`` uses in ``epoch``.

    With one view per step, each image walks a permutation of its
    ``num_views`` views drawn from ``(seed, index)`` and redrawn every
    ``num_views`` epochs, so every view is used once before any repeats (as
    in dataset reinforcement, e.g. MobileCLIP's DataCompDR). With
    ``count`` > 1 (two-view methods) the views of an epoch are ``count``
    distinct ones drawn from ``(seed, index, epoch)``.

    Args:
        seed (int): Seed of the store's views.
        index (int): Image index in the dataset.
        epoch (int): Training epoch (0-based).
        num_views (int): Views stored per image (``K``).
        count (int): Distinct views needed per step. Defaults to 1.

    Returns:
        List[int]: ``count`` view indices in ``[0, num_views)``.
    """
    if not 0 < count <= num_views:
        raise ValueError(f'need 0 < count <= num_views, got count={count} '
                         f'for num_views={num_views}')
    if count > 1:
        rng = np.random.default_rng([int(seed), int(index), int(epoch), 1])
        return [int(v) for v in rng.choice(num_views, count, replace=False)]
    cycle, offset = divmod(int(epoch), num_views)
    rng = np.random.default_rng([int(seed), int(index), cycle])
    return [int(rng.permutation(num_views)[offset])]


@contextmanager
def seeded_random(seed: int) -> Iterator[None]:
    """Run a block under ``random``, NumPy and torch CPU states seeded with
    ``seed``, then restore the states the block found.

    Restoring keeps the caller's own random stream (e.g. a loader worker's)
    untouched by the replay; only torch's CPU generator is touched, so CUDA
    streams are left alone.
    """
    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        random.seed(seed)
        np.random.seed(seed)
        torch.random.default_generator.manual_seed(seed)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)
