"""Safe checkpoint loading for mmengine under torch >= 2.6.

torch now loads with ``weights_only=True`` by default, and mmengine 0.10.7 calls
``torch.load`` without the argument. Plain weight files load fine, but runner
checkpoints also pickle the message hub (``HistoryBuffer`` objects holding
numpy arrays), so ``resume``, ``load_from`` and ``init_cfg=Pretrained`` fail on
any checkpoint mmengine itself wrote.

Design (docs/stack.md, option 1): keep ``weights_only=True`` and widen it only
by an explicit allow-list, only inside mmengine's local-file checkpoint loader:

* numpy array/scalar/dtype reconstruction and mmengine's ``HistoryBuffer``;
* ``builtins.getattr`` is *not* allowed. The message hub pickles its
  statistic methods as ``getattr(HistoryBuffer, 'mean')``; that global is
  mapped to :func:`_history_buffer_getattr`, which resolves only the statistic
  methods of ``HistoryBuffer`` and refuses anything else.

Anything outside the list (e.g. ``os.system`` in a crafted pickle) raises
:class:`UnsafeCheckpointError` naming the file and the refused globals. Files
the user trusts can be loaded with :func:`load_trusted_checkpoint`, a
per-call opt-in that warns. No global switch is touched.
"""
import os.path as osp
import pickle
import warnings
from typing import Any, Callable, List, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

__all__ = [
    'UnsafeCheckpointError', 'safe_torch_load', 'load_trusted_checkpoint',
    'register_safe_checkpoint_loader', 'checkpoint_safe_globals'
]


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs globals outside lgd_mm's allow-list."""


def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """Stand-in for ``getattr`` while unpickling: statistic methods only."""
    allowed = set(HistoryBuffer._statistics_methods) | {
        'min', 'max', 'current', 'mean'
    }
    if obj is HistoryBuffer and name in allowed and callable(
            HistoryBuffer.__dict__.get(name)):
        return getattr(HistoryBuffer, name)
    raise UnsafeCheckpointError(
        f'refusing getattr({obj!r}, {name!r}) while unpickling: only the '
        f'statistic methods of HistoryBuffer ({sorted(allowed)}) may be '
        'looked up')


def checkpoint_safe_globals() -> List[Any]:
    """The explicit allow-list used for mmengine checkpoints."""
    multiarray = np.core.multiarray
    allow = [
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
        HistoryBuffer,
        (_history_buffer_getattr, 'builtins.getattr'),
    ]
    # Concrete dtype classes (np.dtypes.Float64DType, ...) appear in files
    # written by newer numpy; they are plain descriptors.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allow += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return allow


def _allowed_names() -> set:
    names = set()
    for item in checkpoint_safe_globals():
        if isinstance(item, tuple):
            names.add(item[1])
        else:
            names.add(f'{item.__module__}.{item.__qualname__}')
    return names


def safe_torch_load(filename: str, map_location: Optional[Any] = None) -> Any:
    """``torch.load(weights_only=True)`` with lgd_mm's checkpoint allow-list.

    Args:
        filename (str): Local path of the checkpoint.
        map_location: Passed to :func:`torch.load`.

    Raises:
        FileNotFoundError: if ``filename`` does not exist.
        UnsafeCheckpointError: if the file needs a global that is not allowed.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except UnsafeCheckpointError as e:
        raise UnsafeCheckpointError(f'{filename}: {e}') from None
    except pickle.UnpicklingError as e:
        try:
            needed = torch.serialization.get_unsafe_globals_in_checkpoint(
                filename)
            refused = sorted(set(needed) - _allowed_names())
        except Exception:  # legacy format: fall back to torch's message
            refused = []
        detail = (f'it needs globals outside the allow-list: {refused}'
                  if refused else f'torch refused it: {e}')
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint {filename}: {detail}. lgd_mm loads '
            'checkpoints with weights_only=True plus an explicit allow-list '
            '(numpy arrays, mmengine HistoryBuffer). If you trust this file, '
            'load it with lgd_mm.utils.load_trusted_checkpoint(path).'
        ) from None


def load_trusted_checkpoint(filename: str,
                            map_location: Optional[Any] = None) -> Any:
    """Load a checkpoint with full unpickling, for files the user trusts.

    This runs arbitrary code stored in the file: use it only for files you
    made yourself or got from a source you trust.
    """
    warnings.warn(
        f'Loading {filename} with weights_only=False: any code in the file '
        'runs. Only do this for files you trust.',
        stacklevel=2)
    return torch.load(
        osp.expanduser(filename), map_location=map_location,
        weights_only=False)


def register_safe_checkpoint_loader() -> None:
    """Route mmengine's local-path checkpoint loading through
    :func:`safe_torch_load` (resume, ``load_from``, ``init_cfg=Pretrained``).
    """
    CheckpointLoader.register_scheme(
        prefixes='', force=True)(load_from_local_safe)


def load_from_local_safe(filename: str, map_location: Optional[Any] = None):
    """mmengine checkpoint scheme for local paths (logged as 'local_safe')."""
    return safe_torch_load(filename, map_location)
