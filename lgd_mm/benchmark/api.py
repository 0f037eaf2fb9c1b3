"""``lgd_mm.benchmark.run``: benchmark one pre-trained backbone.

The one entry point that ``tools/benchmark.py``, ``tools/demo.py`` and user
code share. For each task the checkpoint's backbone is exported (with the
projector for zero-shot tasks), plugged into the task's config, run through
an mmengine Runner in this process, and the final metrics are written as a
JSON record per (method, student, task).

Distributed runs start one process per rank (``tools/dist_benchmark.sh``,
``tools/slurm_benchmark.sh``) and pass ``launcher``; every rank runs the
tasks, rank 0 writes the records.
"""
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Union

from mmengine.config import Config
from mmengine.dist import barrier, get_world_size, is_main_process

from lgd_mm.datasets import check_config_coco, check_config_seg
from lgd_mm.utils.config_values import check_config_values
from lgd_mm.utils.protocol import flatten_options, run_protocol
from .extract import EXPORT_FORMAT, extract_backbone, save_payload
from .records import safe_name
from .reference import export_reference, is_reference_config
from .runner import (backbone_complexity, head_options, make_record,
                     prepare_config, run_task)
from .tasks import TASKS, resolve_tasks

__all__ = ['run', 'pretrain_label']

_LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def pretrain_label(meta: dict) -> Optional[str]:
    """Leaderboard pre-training label recorded in (or implied by) a
    backbone export: its ``pretrain`` entry, else ``<epoch>e``."""
    if meta.get('pretrain'):
        return meta['pretrain']
    return f'{meta["epoch"]}e' if meta.get('epoch') else None


def _overrides(override_files: Sequence[str],
               cfg_options: Union[dict, Sequence[dict], None]) -> List[dict]:
    """Fragment files, then option dicts, applied in this order (one by
    one, so ``_delete_`` in a file still replaces task settings)."""
    if isinstance(cfg_options, dict):
        cfg_options = [cfg_options]
    return [Config.fromfile(p).to_dict()
            for p in override_files] + [dict(o) for o in cfg_options or []]


class _Exports:
    """The backbone files of one checkpoint, exported once per variant
    (without / with the projector)."""

    def __init__(self, checkpoint: str, work_dir: str, method: Optional[str]):
        self.checkpoint, self.work_dir, self.method = (checkpoint, work_dir,
                                                       method)
        self._done: Dict[bool, tuple] = {}

    def get(self, keep_head: bool) -> tuple:
        if keep_head not in self._done:
            name = 'backbone_head.pth' if keep_head else 'backbone.pth'
            out = osp.abspath(osp.join(self.work_dir, 'pretrained', name))
            # every rank converts; the writes are atomic and identical
            payload = extract_backbone(
                self.checkpoint, out, keep_head=keep_head, method=self.method)
            self._done[keep_head] = (out, payload)
        return self._done[keep_head]


def run(checkpoint: str,
        tasks: Sequence[str] = (),
        suite: Optional[str] = None,
        student: Optional[str] = None,
        method: Optional[str] = None,
        work_dir: Optional[str] = None,
        out_dir: Optional[str] = None,
        launcher: str = 'none',
        seed: Optional[int] = 0,
        pretrain: Optional[str] = None,
        input_shape: Optional[Sequence[int]] = None,
        override_files: Sequence[str] = (),
        cfg_options: Union[dict, Sequence[dict], None] = None,
        dry_run: bool = False) -> List[str]:
    """Benchmark one pre-trained backbone on downstream tasks.

    Args:
        checkpoint (str): A pre-training checkpoint (lgd_mm/mmengine,
            official LGD, torchvision), a file from ``extract_backbone``, or
            a reference config (``configs/reference/*.py``: random-init or
            supervised rows).
        tasks (Sequence[str]): Task ids of ``configs/benchmarks/tasks.yml``.
        suite (str, optional): A named group of tasks, run first.
        student (str, optional): Student id; default: inferred from the
            weights.
        method (str, optional): Record row label; default: the checkpoint's
            algorithm (e.g. ``LGD``).
        work_dir (str, optional): Default
            ``work_dirs/benchmark/<method>_<student>``.
        out_dir (str, optional): Record folder; default
            ``<work_dir>/records``.
        launcher (str): ``none`` (one process) or the launcher that started
            this process as one rank (``pytorch``, ``slurm``, ``mpi``).
        seed (int, optional): ``randomness.seed`` of every task.
        pretrain (str, optional): Pre-training label of the row; default
            from the checkpoint.
        input_shape (Sequence[int], optional): ``H [W]`` for the FLOPs
            count; default the task's input size.
        override_files (Sequence[str]): Config fragments merged into every
            task config, before ``cfg_options``.
        cfg_options (dict | Sequence[dict], optional): Overrides for every
            task config (dotted keys), applied last.
        dry_run (bool): Prepare and dump the configs, run nothing.

    Returns:
        list[str]: Paths of the records written (empty on ranks > 0 and for
        ``dry_run``).
    """
    if launcher not in _LAUNCHERS:
        raise ValueError(f'launcher {launcher!r} not in {_LAUNCHERS}')
    names = resolve_tasks(tasks, suite)
    options = _overrides(override_files, cfg_options)
    # what the user changed in the tasks' protocols (records keep it)
    user_options = {}
    for opts in options:
        user_options.update(flatten_options(opts))
    transfer = run_protocol(user_options)
    reference = is_reference_config(checkpoint)
    # student and method decide the work dir, so read them first
    payload = export_reference(checkpoint, seed=seed) if reference else \
        extract_backbone(checkpoint, None, method=method)
    meta = payload['meta']
    student = student or meta.get('arch')
    if student is None:
        raise ValueError(f'cannot tell the student of {checkpoint} from its '
                         'weights; pass student=<id> (--student)')
    method = method or meta.get('algorithm') or 'unknown'
    # method and student may come from file metadata: one path component
    work_dir = work_dir or osp.join(
        'work_dirs', 'benchmark', f'{safe_name(method)}_{safe_name(student)}')
    if reference:
        # the row's weights as a file, benchmarked like any export
        checkpoint = osp.join(work_dir, 'pretrained', 'reference.pth')
        if is_main_process():
            save_payload(payload, checkpoint)
        barrier()
    out_dir = out_dir or osp.join(work_dir, 'records')
    exports = _Exports(checkpoint, work_dir, method)
    written = []
    for task in names:
        spec = TASKS[task]
        ckpt, task_payload = exports.get(spec['needs_head'])
        # zero-shot: projector widths and teacher follow the checkpoint;
        # the user's overrides still come last
        head = [head_options(task_payload)] if spec['needs_head'] else []
        cfg = prepare_config(
            task,
            student,
            ckpt,
            osp.join(work_dir, task),
            single_process=launcher == 'none',
            seed=seed,
            cfg_options=head + options)
        cfg.launcher = launcher
        check_config_values(cfg, f'the {task} config with the overrides')
        if dry_run:
            os.makedirs(cfg.work_dir, exist_ok=True)
            cfg.dump(osp.join(cfg.work_dir, 'benchmark_config.py'))
            print(f'[benchmark] {task}: config in {cfg.work_dir}')
            continue
        print(
            f'[benchmark] {task} ({student}, {method}) -> {cfg.work_dir}',
            flush=True)
        start = time.time()
        # COCO categories / boxes / masks and label maps against the
        # config: fail now, not after training with silently wrong numbers
        loaders = ('test_dataloader', ) if spec['kind'] == 'test' else (
            'train_dataloader', 'val_dataloader')
        check_config_coco(cfg, loaders)
        check_config_seg(cfg, loaders)
        raw = run_task(cfg, spec['kind'])
        if not is_main_process():
            continue
        shape = spec['input_shape']
        if input_shape:
            shape = (3, ) + tuple((list(input_shape) * 2)[:2])
        pre = task_payload['meta'].get('protocol') or {}
        record = make_record(
            task,
            student,
            raw,
            cfg,
            task_payload['meta'],
            method=method,
            gpus=get_world_size(),
            complexity=backbone_complexity(cfg, shape),
            extra=dict(
                pretrain=pretrain or pretrain_label(task_payload['meta']),
                checkpoint=osp.abspath(checkpoint),
                launcher=launcher,
                seconds=round(time.time() - start, 1),
                flops_input=list(shape),
                export_format=EXPORT_FORMAT,
                overrides=transfer['overrides'],
                pretrain_seed=pre.get('seed'),
                pretrain_overrides=pre.get('overrides')),
            shortened=[f'pre-training {s}' for s in pre.get('shortened', [])] +
            [f'transfer {s}' for s in transfer['shortened']])
        written.append(record.dump(out_dir))
        print(
            f'[benchmark] {task}: {record.metrics} -> {written[-1]}',
            flush=True)
    return written
