"""mmengine's CheckpointHook with writes that a kill cannot damage."""
import glob
import logging
import os
import os.path as osp
import re

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from lgd_mm.engine.runner.resume import checkpoint_problem
from lgd_mm.registry import HOOKS
from lgd_mm.utils.fileio import atomic_write_text
from lgd_mm.utils.work_dir_lock import pid_alive

# ``.<name>.<pid>.tmp``: hidden, so neither mmengine nor ``--resume`` sees it
_TMP = re.compile(r'^\.(?P<name>.+\.pth)\.(?P<pid>\d+)\.tmp$')


def _fsync_path(path: str, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` whose saves can be killed at
    any byte without losing the last good checkpoint.

    mmengine deletes the oldest kept checkpoint *before* writing the new one
    and writes in place, so with ``max_keep_ckpts=1`` a kill during a save
    leaves no usable checkpoint and a ``last_checkpoint`` naming a missing
    file. Here each save (on local disks) goes

    1. to a hidden ``.<name>.<pid>.tmp`` in the same folder, fsynced;
    2. is verified (every zip member passes its CRC);
    3. is renamed over ``<name>`` (:func:`os.replace`, atomic);
    4. ``last_checkpoint`` is replaced atomically;
    5. only then is the checkpoint beyond ``max_keep_ckpts`` deleted.

    A kill at any point leaves the previous checkpoint and a pointer to an
    existing, complete file. Temp files of dead runs are removed in
    ``before_train``. Remote ``out_dir`` backends use the parent's path.
    Takes the same arguments as :class:`mmengine.hooks.CheckpointHook`;
    :func:`lgd_mm.engine.runner.build_runner` uses it in place of a plain
    ``CheckpointHook``.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and self._local():
            self._remove_stale_temps()

    def _local(self) -> bool:
        return isinstance(self.file_backend, LocalBackend)

    def _remove_stale_temps(self) -> None:
        for path in glob.glob(osp.join(glob.escape(self.out_dir), '.*.tmp')):
            match = _TMP.match(osp.basename(path))
            if match is None or pid_alive(int(match.group('pid'))):
                continue
            try:
                os.remove(path)
            except OSError:
                continue
            print_log(
                f'removed {path}: a checkpoint write of process '
                f'{match.group("pid")} that did not finish',
                logger='current',
                level=logging.WARNING)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        if not self._local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        # the same bookkeeping as mmengine, but the outdated file is only
        # deleted once the new one is in place
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        tmp_name = f'.{filename}.{os.getpid()}.tmp'
        runner.save_checkpoint(
            self.out_dir,
            tmp_name,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        # only the main process writes (runner.save_checkpoint is
        # master_only)
        if not is_main_process():
            return
        self._commit(osp.join(self.out_dir, tmp_name), self.last_ckpt)
        atomic_write_text(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated is not None and outdated != step:
            old = osp.join(self.out_dir, self.filename_tmpl.format(outdated))
            if osp.isfile(old):
                os.remove(old)

    @staticmethod
    def _commit(tmp: str, path: str) -> None:
        """fsync, verify and rename ``tmp`` to ``path``."""
        _fsync_path(tmp)
        problem = checkpoint_problem(tmp)
        if problem is not None:
            os.remove(tmp)
            raise RuntimeError(
                f'checkpoint {path} was written but reads back {problem}; '
                'the previous checkpoint is kept. Check the disk.')
        os.replace(tmp, path)
        _fsync_path(osp.dirname(path) or '.', directory=True)
