"""Atomic file writes: a crash never leaves a truncated file behind.

Every file that a later run reads back (text-bank and BINGO caches,
extracted backbones, benchmark records, leaderboards) is written through
:func:`atomic_write`: the data goes to a temporary file in the destination's
folder, is flushed to disk, and only then renamed over the destination with
:func:`os.replace` (atomic on POSIX and Windows within one file system). A
reader sees either the old file or the complete new one; a process killed
mid-write leaves at most a hidden ``.<name>.*.tmp`` file, never a short
``<name>``.
"""
import json
import os
import os.path as osp
import secrets
from contextlib import contextmanager
from typing import IO, Any, Iterator, Optional

import torch

__all__ = [
    'atomic_write', 'atomic_write_text', 'atomic_json_dump',
    'atomic_torch_save'
]


@contextmanager
def atomic_write(path: str,
                 mode: str = 'w',
                 encoding: Optional[str] = None,
                 newline: Optional[str] = None) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` when the block succeeds.

    If the block raises, the temporary file is removed and ``path`` keeps
    its previous content (or stays absent).

    Args:
        path (str): Destination file. Its folder is created if needed.
        mode (str): ``'w'`` (text) or ``'wb'`` (binary). Defaults to 'w'.
        encoding (str, optional): Text encoding; 'utf-8' when None in text
            mode.
        newline (str, optional): Passed to :func:`open` in text mode (e.g.
            ``''`` for the csv module).

    Yields:
        IO: The open temporary file.

    Example:
        >>> with atomic_write('out/table.md') as f:
        ...     f.write('| a | b |\\n')
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f'atomic_write mode must be "w" or "wb", got '
                         f'{mode!r}')
    path = osp.abspath(osp.expanduser(path))
    folder = osp.dirname(path)
    os.makedirs(folder, exist_ok=True)
    # Same folder, so the rename never crosses file systems; pid + random
    # token, so concurrent writers (several ranks) never share a temp file.
    tmp = osp.join(
        folder,
        f'.{osp.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}.tmp')
    # os.open with 0o666 lets the umask decide the permissions, as for a
    # plain open(path, 'w').
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        if mode == 'wb':
            f = os.fdopen(fd, 'wb')
        else:
            f = os.fdopen(
                fd, 'w', encoding=encoding or 'utf-8', newline=newline)
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        # KeyboardInterrupt included: the destination must stay intact.
        try:
            os.remove(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: str, text: str, encoding: str = 'utf-8') -> str:
    """Write ``text`` to ``path`` atomically; returns ``path``."""
    with atomic_write(path, 'w', encoding=encoding) as f:
        f.write(text)
    return path


def atomic_json_dump(obj: Any, path: str, **kwargs) -> str:
    """``json.dump(obj, f, **kwargs)`` into ``path`` atomically; returns
    ``path``."""
    with atomic_write(path, 'w') as f:
        json.dump(obj, f, **kwargs)
    return path


def atomic_torch_save(obj: Any, path: str) -> str:
    """``torch.save(obj, path)`` atomically; returns ``path``."""
    with atomic_write(path, 'wb') as f:
        torch.save(obj, f)
    return path
