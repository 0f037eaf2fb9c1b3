"""Run one benchmark task of one pre-trained backbone and record it.

The parts :func:`lgd_mm.benchmark.run` puts together:

* :func:`prepare_config`: a task config (``tasks.yml``) with the checkpoint
  plugged in (``init_cfg`` for fine-tuning, ``load_from`` for
  evaluation-only tasks), a fixed seed, SyncBN -> BN for single-process
  runs, user overrides;
* :func:`run_task`: train and/or test through an mmengine Runner in this
  process. Distributed runs start this process once per rank
  (``tools/dist_benchmark.sh``, ``tools/slurm_benchmark.sh``); the Runner
  joins the process group of its ``launcher``. The library never starts
  processes or scripts itself;
* :func:`record_metrics` / :func:`backbone_complexity` /
  :func:`make_record`: metric names mapped to the record schema (box AP in
  percent, mIoU, top-1, ...), backbone params and FLOPs (mmengine's
  analysis tools).
"""
import copy
import functools
import json
import os
import os.path as osp
import uuid
from typing import Dict, Optional, Sequence, Tuple, Union

from mmengine.config import Config

from lgd_mm.utils.config_paths import config_root
from lgd_mm.utils.norm_layers import sync_bn_to_bn
from .records import BenchmarkRecord
from .tasks import TASKS, task_config

__all__ = [
    'METRIC_MAP', 'sync_bn_to_bn', 'prepare_config', 'head_options',
    'run_task', 'last_val_metrics', 'record_metrics', 'backbone_complexity',
    'make_record'
]

#: Runner metric name -> (record metric name, factor to percent).
METRIC_MAP: Dict[str, Tuple[str, float]] = {
    'coco/bbox_mAP': ('box_AP', 100.),
    'coco/bbox_mAP_50': ('box_AP50', 100.),
    'coco/bbox_mAP_75': ('box_AP75', 100.),
    'coco/segm_mAP': ('mask_AP', 100.),
    'coco/segm_mAP_50': ('mask_AP50', 100.),
    'coco/segm_mAP_75': ('mask_AP75', 100.),
    'mIoU': ('mIoU', 1.),
    'mAcc': ('mAcc', 1.),
    'aAcc': ('aAcc', 1.),
    'accuracy/top1': ('top1', 1.),
    'accuracy/top5': ('top5', 1.),
    'knn/top1': ('top1', 1.),
    'knn/top5': ('top5', 1.),
    'zero_shot/top1': ('top1', 1.),
}
#: Metrics kept in ``extra`` (the record schema has no column for them).
EXTRA_METRICS = {'zero_shot/teacher_top1': 'teacher_top1'}


def prepare_config(
        task: str,
        student: str,
        checkpoint: str,
        work_dir: str,
        single_process: bool = True,
        seed: Optional[int] = 0,
        cfg_options: Union[dict, Sequence[dict], None] = None) -> Config:
    """The config of one benchmark run.

    Args:
        task (str): A task id (``configs/benchmarks/tasks.yml``).
        student (str): Student id (``configs/_base_/students/<id>.py``).
        checkpoint (str): Backbone file (``tools/extract_backbone.py``; with
            the projector for zero-shot tasks).
        work_dir (str): The run's work dir.
        single_process (bool): Set BN instead of SyncBN (one CPU/GPU).
        seed (int, optional): ``randomness.seed``, recorded with the result.
        cfg_options (dict | Sequence[dict], optional): Overrides (dotted or
            nested keys) applied last, in order.

    Returns:
        Config: Ready for ``Runner.from_cfg`` or ``cfg.dump``.
    """
    cfg = Config.fromfile(task_config(task, student))
    for fragment in TASKS[task]['overrides']:
        # one by one, so that ``_delete_`` in a fragment replaces settings
        cfg.merge_from_dict(
            Config.fromfile(osp.join(config_root(), fragment)).to_dict())
    if TASKS[task]['kind'] == 'train':
        backbone = cfg.model.backbone
        if backbone.get('init_cfg', {}).get('type') != 'Pretrained':
            raise ValueError(f'{task}: model.backbone.init_cfg of '
                             f'{task_config(task, student)} is not Pretrained')
        backbone.init_cfg.checkpoint = checkpoint
    else:
        # Runner.test() never calls init_weights: load the whole file
        cfg.load_from = checkpoint
    cfg.work_dir = work_dir
    # unique logger/visualizer instances for several runs in one process
    # (mmdet/mmseg name their visualizer 'visualizer'; a second runner
    # would reuse the first one and log into its folder)
    cfg.experiment_name = f'{task}_{student}_{uuid.uuid4().hex[:8]}'
    if cfg.get('visualizer'):
        cfg.visualizer['name'] = cfg.experiment_name
    if seed is not None:
        cfg.randomness = dict(cfg.get('randomness', {}), seed=seed)
    if single_process:
        sync_bn_to_bn(cfg.model)
    if isinstance(cfg_options, dict):
        cfg_options = [cfg_options]
    for options in cfg_options or []:
        cfg.merge_from_dict(options)
    return cfg


def head_options(payload: dict) -> dict:
    """Zero-shot settings dictated by an export made with ``keep_head``.

    The projector (mmpretrain's ``MoCoV2Neck``, ``mlp.0`` / ``mlp.2``, the
    one layout exports have) gets its widths from the weights, and the
    teacher (whose text tower builds the evaluation bank) comes from the
    checkpoint's meta: the student was distilled into that teacher's
    embedding space.

    Args:
        payload (dict): ``{'state_dict', 'meta'}`` from
            :func:`~lgd_mm.benchmark.extract.extract_backbone`.

    Returns:
        dict: Dotted config options (possibly empty).
    """
    weights, meta = payload['state_dict'], payload['meta']
    options = {}
    first = weights.get('neck.mlp.0.weight')
    last = weights.get('neck.mlp.2.weight')
    if first is not None and last is not None:
        options.update({
            'model.neck.type': 'MoCoV2Neck',
            'model.neck.in_channels': first.shape[1],
            'model.neck.hid_channels': first.shape[0],
            'model.neck.out_channels': last.shape[0]
        })
    if meta.get('teacher'):
        tag = meta.get('teacher_weights')
        options['model.teacher.model_name'] = meta['teacher']
        options['model.teacher.pretrained'] = None if tag in (None,
                                                              'None') else tag
    return options


def last_val_metrics(runner) -> Dict[str, float]:
    """The metrics of the last validation of a finished training run.

    Read from the runner's message hub (``val/<metric>``, which mmengine's
    ``RuntimeInfoHook`` fills on every rank), not from a log file that a
    second run could share.

    Raises:
        RuntimeError: The run validated no metric of :data:`METRIC_MAP`.
    """
    last = {
        key[len('val/'):]: float(buf.current())
        for key, buf in runner.message_hub.log_scalars.items()
        if key.startswith('val/')
    }
    if not any(k in METRIC_MAP for k in last):
        raise RuntimeError(f'{runner.work_dir}: the run logged no validation '
                           f'metric (expected one of {sorted(METRIC_MAP)}); '
                           'does train_cfg.val_interval fit the schedule?')
    return last


def record_metrics(raw: Dict[str, float]) -> Tuple[dict, dict]:
    """Split runner metrics into record ``metrics`` (percent) and extras."""
    metrics, extra = {}, {}
    for key, value in raw.items():
        if key in METRIC_MAP:
            name, scale = METRIC_MAP[key]
            metrics[name] = round(float(value) * scale, 4)
        elif key in EXTRA_METRICS:
            extra[EXTRA_METRICS[key]] = round(float(value), 4)
    return metrics, extra


def backbone_complexity(
        cfg: Config, input_shape: Tuple[int, int,
                                        int]) -> Tuple[float, Optional[float]]:
    """Backbone params (M) and FLOPs (G) at ``input_shape`` (C, H, W).

    Built from ``cfg.model.backbone`` without its pretrained init, with
    mmengine's ``get_model_complexity_info``. Results are memoised per
    (backbone config, scope, shape): tracing takes seconds on a CPU and a
    benchmark session asks for the same backbone once per task and row.
    """
    backbone_cfg = sync_bn_to_bn(copy.deepcopy(cfg.model.backbone))
    backbone_cfg.pop('init_cfg', None)
    backbone_cfg.pop('_delete_', None)
    scope = cfg.get('default_scope', 'mmengine')
    key = json.dumps([
        backbone_cfg.to_dict()
        if hasattr(backbone_cfg, 'to_dict') else backbone_cfg, scope,
        list(input_shape)
    ],
                     sort_keys=True,
                     default=str)
    return _complexity(key)


@functools.lru_cache(maxsize=None)
def _complexity(key: str) -> Tuple[float, Optional[float]]:
    import torch
    from mmengine.analysis import get_model_complexity_info
    from mmengine.registry import MODELS, DefaultScope, init_default_scope
    backbone_cfg, scope, input_shape = json.loads(key)
    init_default_scope(scope)
    with DefaultScope.overwrite_default_scope(scope):
        backbone = MODELS.build(backbone_cfg)
    backbone.eval()
    params = sum(p.numel() for p in backbone.parameters())
    try:
        with torch.no_grad():
            info = get_model_complexity_info(
                backbone,
                tuple(input_shape),
                show_table=False,
                show_arch=False)
        flops = round(info['flops'] / 1e9, 3)
    except Exception:  # tracing can fail for exotic ops; params still count
        flops = None
    return round(params / 1e6, 3), flops


def run_task(cfg: Config, kind: str) -> Dict[str, float]:
    """Run one prepared config in this process; return its final metrics.

    Args:
        cfg (Config): From :func:`prepare_config`; ``cfg.launcher`` says
            whether this process is one rank of a distributed job.
        kind (str): 'train' (fine-tune; metrics of the last validation) or
            'test' (evaluate ``load_from``).

    Returns:
        dict: Metric name -> value, as the runner reports them (the same on
        every rank).
    """
    from lgd_mm.engine.runner import build_runner, check_runnable
    if kind == 'train':
        check_runnable(cfg)
    os.makedirs(cfg.work_dir, exist_ok=True)
    runner = build_runner(cfg)
    if kind == 'train':
        runner.train()
        return last_val_metrics(runner)
    return runner.test()


def _batch(cfg: Config, kind: str) -> Optional[int]:
    loader = cfg.get('train_dataloader' if kind ==
                     'train' else 'test_dataloader')
    return loader.get('batch_size') if loader else None


def make_record(
    task: str,
    student: str,
    raw_metrics: Dict[str, float],
    cfg: Config,
    meta: dict,
    method: Optional[str] = None,
    gpus: int = 1,
    complexity: Tuple[Optional[float], Optional[float]] = (None, None),
    extra: Optional[dict] = None,
    shortened: Sequence[str] = ()
) -> BenchmarkRecord:
    """A :class:`BenchmarkRecord` of one finished run.

    Args:
        task (str): Task id (also the record's protocol).
        student (str): Student id.
        raw_metrics (dict): Runner metrics (see :data:`METRIC_MAP`).
        cfg (Config): The run's config (seed, batch, work dir).
        meta (dict): Meta of the pretrained file (algorithm, teacher,
            mean/std, vocabulary).
        method (str, optional): Row label; defaults to ``meta['algorithm']``.
        gpus (int): Processes the run used.
        complexity (tuple): ``(params_m, flops_g)`` of the backbone.
        extra (dict, optional): More primitives for ``extra``.
        shortened (Sequence[str]): How the pre-training or this run left
            its protocol (see :mod:`lgd_mm.utils.protocol`).
    """
    metrics, more = record_metrics(raw_metrics)
    if not metrics:
        raise RuntimeError(f'{task}: none of the metrics {sorted(raw_metrics)}'
                           ' maps to a record metric')
    teacher = meta.get('teacher') or '-'
    if meta.get('teacher_weights') not in (None, 'None'):
        teacher = f'{teacher} ({meta["teacher_weights"]})'
    spec = TASKS[task]
    seed = (cfg.get('randomness') or {}).get('seed')
    info = dict(
        seed=seed,
        gpus_x_batch=f'{gpus}x{_batch(cfg, spec["kind"])}',
        pretrain_mean=meta.get('mean'),
        pretrain_std=meta.get('std'),
        vocab=meta.get('vocab'),
        config=osp.join('configs',
                        osp.relpath(task_config(task, student),
                                    config_root())),
        work_dir=cfg.work_dir,
        **more,
        **(extra or {}))
    return BenchmarkRecord(
        method=method or meta.get('algorithm') or 'unknown',
        student=student,
        task=task,
        metrics=metrics,
        teacher=teacher,
        protocol=task,
        dataset=spec['dataset'],
        params_m=complexity[0],
        flops_g=complexity[1],
        extra=info,
        shortened=list(shortened))
