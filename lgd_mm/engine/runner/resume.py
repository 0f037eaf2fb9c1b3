"""Pick the checkpoint ``--resume`` continues from, skipping broken files."""
import glob
import logging
import os.path as osp
import re
import zipfile
from typing import List, Optional, Tuple

from mmengine.logging import print_log

__all__ = [
    'is_complete_checkpoint', 'checkpoint_problem',
    'is_runner_checkpoint_name', 'find_resumable_checkpoint',
    'verify_resume_checkpoint'
]

# Files mmengine's CheckpointHook (epoch_N / iter_N) and NonFiniteGuardHook
# (last_good_iter_N) write; nothing else in a work dir is a runner state.
_RUNNER_CKPT = re.compile(r'^(?:epoch|iter|last_good_iter)_(\d+)\.pth$')


def is_runner_checkpoint_name(path: str) -> bool:
    """Whether ``path``'s file name is one a runner checkpoint gets."""
    return _RUNNER_CKPT.match(osp.basename(path)) is not None


def checkpoint_problem(path: str) -> Optional[str]:
    """What is wrong with the checkpoint file ``path``; None if intact.

    ``torch.save`` writes a zip archive with a CRC-32 of every member, so a
    file cut short by a kill (no end record) and one with damaged bytes
    inside a tensor (a member whose CRC differs) are both found by reading
    the archive once, without unpickling anything.
    """
    if not osp.isfile(path):
        return 'missing'
    if osp.getsize(path) == 0:
        return 'empty (0 bytes)'
    if not zipfile.is_zipfile(path):
        return 'truncated or not a torch zip checkpoint (no zip end record)'
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        # damaged local headers raise instead of being reported
        return f'unreadable zip ({type(e).__name__}: {e})'
    if bad is not None:
        return f'corrupt: CRC mismatch in member {bad!r}'
    return None


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a non-empty checkpoint whose every zip member
    passes its CRC check (see :func:`checkpoint_problem`)."""
    return checkpoint_problem(path) is None


def _candidates(work_dir: str) -> List[str]:
    """Runner checkpoints of ``work_dir``, newest first (mtime, then step)."""

    def order(path: str) -> Tuple[float, int]:
        return osp.getmtime(path), int(
            _RUNNER_CKPT.match(osp.basename(path)).group(1))

    paths = [
        p for p in glob.glob(osp.join(work_dir, '*.pth'))
        if is_runner_checkpoint_name(p) and osp.isfile(p)
    ]
    return sorted(paths, key=order, reverse=True)


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest intact runner checkpoint of ``work_dir``, or None.

    mmengine resumes from the file named in ``<work_dir>/last_checkpoint``.
    Here that file is used when it is intact (every zip member passes its
    CRC); otherwise the newest intact runner checkpoint (``epoch_N.pth``,
    ``iter_N.pth``, ``last_good_iter_N.pth``; never e.g. an extracted
    ``backbone.pth``) is taken, and every skipped file is logged with the
    reason.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str, optional: A checkpoint path; None when the work dir holds no
        intact checkpoint (training then starts from scratch).
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            named = f.read().strip() or None
    skipped = []
    if named is not None:
        problem = checkpoint_problem(named)
        if problem is None:
            return named
        skipped.append(f'{named} ({problem}; named in last_checkpoint)')
    for path in _candidates(work_dir):
        if named is not None and osp.abspath(path) == osp.abspath(named):
            continue
        problem = checkpoint_problem(path)
        if problem is None:
            if skipped:
                print_log(
                    f'resume: skipped {"; ".join(skipped)}; resuming from '
                    f'{path} instead',
                    logger='current',
                    level=logging.WARNING)
            return path
        skipped.append(f'{path} ({problem})')
    if skipped:
        print_log(
            f'resume: no intact checkpoint in {work_dir}: skipped '
            f'{"; ".join(skipped)}; training starts from scratch',
            logger='current',
            level=logging.WARNING)
    return None


def verify_resume_checkpoint(path: str) -> None:
    """Refuse an explicitly given ``--resume PATH`` that is damaged.

    Only local zip checkpoints are checked (other files and remote URIs
    are left to mmengine's loaders).

    Raises:
        ValueError: if ``path`` is an empty, truncated or corrupt
            checkpoint.
    """
    if '://' in path or not osp.isfile(path):
        return
    if osp.getsize(path) > 0 and not zipfile.is_zipfile(path):
        # a legacy (pre-zip) torch file, or a short zip: tell them apart
        # by the zip local-header magic at the start
        with open(path, 'rb') as f:
            if f.read(4) != b'PK\x03\x04':
                return
    problem = checkpoint_problem(path)
    if problem is not None:
        raise ValueError(
            f'--resume {path}: the checkpoint is {problem}. Expected a '
            'complete checkpoint; use `--resume` without a path to take the '
            'newest intact one of the work dir.')
