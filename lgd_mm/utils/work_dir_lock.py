"""One run per work dir: a lock file that names the run holding it."""
import atexit
import json
import os
import os.path as osp
import socket
import time
import warnings
from typing import Dict, Optional

from mmengine.hooks import Hook

try:
    import fcntl
except ImportError:  # Windows: the PID check alone
    fcntl = None

__all__ = [
    'WorkDirLockedError', 'WorkDirLock', 'acquire_work_dir_lock',
    'WorkDirLockReleaseHook', 'pid_alive'
]

LOCK_NAME = '.lgd_mm.lock'


class WorkDirLockedError(RuntimeError):
    """Another live run holds the work dir."""


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this host (any user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except (OverflowError, ValueError):
        return False
    return True


class WorkDirLock:
    """An exclusive lock on ``<work_dir>/.lgd_mm.lock``.

    Two runs in one work dir overwrite each other's checkpoints and write
    one ``scalars.json``; the second one stops at once. The file holds the
    holder's PID, host and start time (JSON) and is held with ``flock``, so
    the kernel frees it when the holder dies, even by SIGKILL; a lock file
    left by a dead process is taken over with a warning. Locking is
    re-entrant within one process (several runners one after another).

    Args:
        work_dir (str): The run's work dir (created if missing).
    """

    def __init__(self, work_dir: str):
        self.work_dir = osp.abspath(work_dir)
        self.path = osp.join(self.work_dir, LOCK_NAME)
        self._fd: Optional[int] = None
        self._count = 0

    @property
    def held(self) -> bool:
        return self._fd is not None

    def _read_holder(self, fd: int) -> dict:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            return json.loads(os.read(fd, 4096).decode('utf-8') or '{}')
        except (OSError, ValueError):
            return {}

    @staticmethod
    def _describe(holder: dict) -> str:
        return (f'PID {holder.get("pid", "?")} on '
                f'{holder.get("host", "?")}, started '
                f'{holder.get("start", "?")}')

    def acquire(self) -> 'WorkDirLock':
        """Take the lock.

        Raises:
            WorkDirLockedError: if a live run holds it.
        """
        if self.held:
            self._count += 1
            return self
        os.makedirs(self.work_dir, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            holder = self._read_holder(fd)
            pid = holder.get('pid')
            same_host = holder.get('host', socket.gethostname()) == \
                socket.gethostname()
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise WorkDirLockedError(self._busy(holder)) from None
            elif isinstance(pid, int) and same_host and pid_alive(pid):
                raise WorkDirLockedError(self._busy(holder))
            if isinstance(pid, int) and pid != os.getpid():
                warnings.warn(
                    f'work dir {self.work_dir} has a stale lock of '
                    f'{self._describe(holder)} '
                    f'({"no longer running" if same_host else "other host"}'
                    '); taking it over')
            info = dict(
                pid=os.getpid(),
                host=socket.gethostname(),
                start=time.strftime('%Y-%m-%d %H:%M:%S %z'))
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps(info).encode('utf-8'))
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._count = fd, 1
        return self

    def _busy(self, holder: dict) -> str:
        return (f'work dir {self.work_dir} is in use by another run '
                f'({self._describe(holder)}; lock file {self.path}). Two '
                'runs in one work dir overwrite each other\'s checkpoints '
                'and logs: wait for it to end, stop it, or use another '
                '--work-dir.')

    def release(self, force: bool = False) -> None:
        """Give the lock back (the last of nested acquires, or ``force``)."""
        if not self.held:
            return
        self._count -= 1
        if self._count > 0 and not force:
            return
        fd, self._fd, self._count = self._fd, None, 0
        try:
            # emptied, not removed: a run waiting on this inode then finds
            # a free lock, never a second file
            os.ftruncate(fd, 0)
        except OSError:
            pass
        os.close(fd)  # also drops the flock

    def __enter__(self) -> 'WorkDirLock':
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


# Locks of this process by path, so nested runners re-enter, and atexit
# frees them when the process ends on an exception.
_HELD: Dict[str, WorkDirLock] = {}


def _release_all() -> None:
    for lock in list(_HELD.values()):
        lock.release(force=True)
    _HELD.clear()


atexit.register(_release_all)


def acquire_work_dir_lock(work_dir: str) -> WorkDirLock:
    """Lock ``work_dir`` for this process (see :class:`WorkDirLock`).

    The lock is released by :meth:`WorkDirLock.release` (the runner's
    ``after_run``) or, at the latest, when the process exits.
    """
    path = osp.abspath(work_dir)
    lock = _HELD.get(path)
    if lock is None or not lock.held:
        lock = _HELD[path] = WorkDirLock(path)
    return lock.acquire()


class WorkDirLockReleaseHook(Hook):
    """Releases a :class:`WorkDirLock` when the run ends (``after_run``).

    Added by :func:`lgd_mm.engine.runner.build_runner`; a run that ends with an
    exception releases it when the process exits.

    Args:
        lock (WorkDirLock): The lock taken for the runner.
    """
    priority = 'LOWEST'

    def __init__(self, lock: WorkDirLock):
        self.lock = lock

    def after_run(self, runner) -> None:
        self.lock.release()
