"""Pick the checkpoint ``--resume`` continues from, skipping broken files."""
import glob
import logging
import os.path as osp
import zipfile
from typing import Optional

from mmengine.logging import print_log

__all__ = ['is_complete_checkpoint', 'find_resumable_checkpoint']


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a non-empty, completely written checkpoint.

    ``torch.save`` writes a zip archive whose central directory comes last,
    so a file cut short by a kill fails :func:`zipfile.is_zipfile` without
    being read in full.
    """
    return osp.isfile(path) and osp.getsize(path) > 0 and \
        zipfile.is_zipfile(path)


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest complete checkpoint of ``work_dir``, or None.

    mmengine resumes from the file named in ``<work_dir>/last_checkpoint``,
    but that pointer is written non-atomically after the checkpoint, and a
    checkpoint killed mid-write is a truncated file. Here the pointer is
    used when it names a complete checkpoint; otherwise the newest complete
    ``*.pth`` of the work dir is taken and the skipped files are logged.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str, optional: A checkpoint path; None when the work dir holds no
        complete checkpoint (training then starts from scratch).
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            named = f.read().strip() or None
    if named is not None and is_complete_checkpoint(named):
        return named
    candidates = sorted(
        glob.glob(osp.join(work_dir, '*.pth')), key=osp.getmtime, reverse=True)
    skipped = [named] if named is not None else []
    for path in candidates:
        if is_complete_checkpoint(path):
            if skipped:
                print_log(
                    f'resume: {skipped} missing or truncated (a run killed '
                    f'while saving); resuming from {path} instead',
                    logger='current',
                    level=logging.WARNING)
            return path
        skipped.append(path)
    return None
