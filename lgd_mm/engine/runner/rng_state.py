"""Random number generator states as checkpoint-safe values.

mmengine checkpoints do not store RNG states, so a resumed run draws other
augmentations than the run it continues. :func:`capture_rng_state` turns the
python, numpy, torch (and CUDA) generator states into tensors and plain
Python values, which ``torch.load(weights_only=True)`` accepts without any
allow-list; :func:`restore_rng_state` puts them back.
"""
import random
from typing import Dict

import numpy as np
import torch

__all__ = ['capture_rng_state', 'restore_rng_state']


def capture_rng_state() -> Dict[str, object]:
    """The states of python's ``random``, numpy's legacy global generator,
    torch's CPU generator and, once CUDA is initialised, every CUDA device.

    Returns:
        dict: ``python`` / ``numpy`` (dicts of a tensor and plain values),
        ``torch`` (uint8 tensor) and optionally ``cuda`` (list of uint8
        tensors).
    """
    py_version, py_internal, py_gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    state = dict(
        python=dict(
            version=int(py_version),
            internal=torch.tensor(py_internal, dtype=torch.int64),
            gauss_next=py_gauss),
        numpy=dict(
            name=str(np_name),
            keys=torch.from_numpy(np_keys.astype(np.int64)),
            pos=int(np_pos),
            has_gauss=int(np_has_gauss),
            cached_gaussian=float(np_gauss)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict[str, object]) -> None:
    """Set the generators to a state from :func:`capture_rng_state`.

    Tensors may come back on a GPU (mmengine resumes with
    ``map_location=<device>``); they are moved to the CPU first. CUDA states
    are restored only when the number of visible devices is unchanged.

    Raises:
        KeyError: if ``state`` misses one of the ``python`` / ``numpy`` /
            ``torch`` entries.
    """
    py = state['python']
    random.setstate(
        (int(py['version']),
         tuple(int(v)
               for v in py['internal'].cpu().tolist()), py['gauss_next']))
    npy = state['numpy']
    np.random.set_state(
        (npy['name'], npy['keys'].cpu().numpy().astype(np.uint32),
         int(npy['pos']), int(npy['has_gauss']),
         float(npy['cached_gaussian'])))
    torch.set_rng_state(state['torch'].cpu())
    cuda = state.get('cuda')
    if cuda and torch.cuda.is_available() and \
            len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([s.cpu() for s in cuda])
