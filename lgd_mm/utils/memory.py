"""Estimate whether a large buffer (bank, queue) fits before allocating it."""
import os
from typing import Optional, Union

import torch

__all__ = [
    'InsufficientMemoryError', 'available_memory', 'format_bytes',
    'check_memory'
]


class InsufficientMemoryError(MemoryError):
    """A buffer would not fit into the memory of its device."""


def format_bytes(num: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if abs(num) < 1024 or unit == 'TiB':
            return f'{num:.1f} {unit}' if unit != 'B' else f'{int(num)} B'
        num /= 1024
    return f'{num:.1f} TiB'


def available_memory(
        device: Union[str, torch.device] = 'cpu') -> Optional[int]:
    """Bytes that can still be allocated on ``device``; None if unknown.

    CPU: ``MemAvailable`` of ``/proc/meminfo`` (Linux), else the free
    physical pages. CUDA: ``torch.cuda.mem_get_info``.
    """
    device = torch.device(device)
    if device.type == 'cuda':
        if not torch.cuda.is_available():
            return None
        return torch.cuda.mem_get_info(device)[0]
    if device.type != 'cpu':
        return None
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf('SC_AVPHYS_PAGES') * os.sysconf('SC_PAGE_SIZE')
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(what: str,
                 num_bytes: int,
                 device: Union[str, torch.device] = 'cpu',
                 fraction: float = 0.9,
                 hint: str = '') -> None:
    """Raise before allocating ``num_bytes`` that cannot fit on ``device``.

    Args:
        what (str): What is allocated, with its shape, for the message.
        num_bytes (int): Its size in bytes.
        device (str | torch.device): Where it will live. Defaults to 'cpu'.
        fraction (float): Share of the available memory it may take.
            Defaults to 0.9.
        hint (str): How to make it smaller, e.g. the config key.

    Raises:
        InsufficientMemoryError: with the estimate and what is available.
    """
    avail = available_memory(device)
    if avail is None or num_bytes <= fraction * avail:
        return
    raise InsufficientMemoryError(
        f'{what} needs {format_bytes(num_bytes)}, but only '
        f'{format_bytes(avail)} of {torch.device(device)} memory is '
        f'available (at most {fraction:.0%} of it may go to one buffer). '
        f'{hint}'.rstrip())
