"""Test helper imported by Runner subprocesses (``custom_imports``): writes
every iteration's loss values, at full precision, as JSON lines."""
import json

from mmengine.hooks import Hook

from lgd_mm.registry import HOOKS


@HOOKS.register_module(force=True)
class LossRecorderHook(Hook):
    """Append ``{"iter": i, "values": {...}}`` per train iteration to
    ``out_file`` (and ``{"start": i}`` when training starts), flushed at
    once so that a parent process can follow a run it is about to kill.

    Args:
        out_file (str): JSON-lines file, appended to.
    """
    priority = 'LOWEST'

    def __init__(self, out_file: str):
        self.out_file = out_file

    def _write(self, record: dict) -> None:
        with open(self.out_file, 'a', encoding='utf-8') as f:
            f.write(json.dumps(record) + '\n')
            f.flush()

    def before_train(self, runner) -> None:
        self._write(dict(start=runner.iter))

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        values = {k: float(v) for k, v in (outputs or {}).items()}
        self._write(dict(iter=runner.iter + 1, values=values))
