"""Run downstream benchmarks of one pre-trained backbone and record them.

``tools/benchmark.py`` is the command line; this module holds the parts:

* :data:`TASKS`: task id -> config template, protocol, data set and the
  input size at which backbone FLOPs are counted; :data:`SUITES` names
  groups of tasks;
* :func:`prepare_config`: a task config with the checkpoint plugged in
  (``init_cfg`` for fine-tuning, ``load_from`` for evaluation-only tasks),
  a fixed seed, SyncBN -> BN for single-process runs, user overrides;
* :func:`run_task`: train and/or test through an mmengine Runner in this
  process, or through ``tools/dist_train.sh`` / ``slurm_train.sh`` and
  ``tools/test.py``;
* :func:`record_metrics` / :func:`backbone_complexity` /
  :func:`make_record`: metric names mapped to the record schema (box AP in
  percent, mIoU, top-1, ...), backbone params and FLOPs (mmengine's
  analysis tools).
"""
import copy
import functools
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import uuid
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.config import Config

from .extract import STUDENTS
from .records import BenchmarkRecord

__all__ = [
    'TASKS', 'SUITES', 'METRIC_MAP', 'resolve_tasks', 'task_config',
    'sync_bn_to_bn', 'prepare_config', 'head_options', 'run_task',
    'final_val_metrics', 'record_metrics', 'backbone_complexity', 'make_record'
]

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO, 'configs', 'benchmarks')
ALL_STUDENTS = tuple(STUDENTS)
#: Student ids -> record student names.
STUDENT_NAMES = {
    'r18': 'resnet18',
    'mbv2': 'mobilenet_v2',
    'mbv3-l': 'mobilenet_v3_large',
    'effb0': 'efficientnet_b0',
}


def _task(config: str,
          kind: str,
          dataset: str,
          shape: Tuple[int, int],
          students: Sequence[str] = ALL_STUDENTS,
          head: bool = False,
          overrides: Sequence[str] = ()):
    return dict(
        config=config,
        kind=kind,
        dataset=dataset,
        input_shape=(3, ) + tuple(shape),
        students=tuple(students),
        needs_head=head,
        overrides=tuple(overrides))


_COCO, _ADE, _CITY, _CLS = (800, 1333), (512, 512), (769, 769), (224, 224)
_TOY, _TOY_CLS = (128, 128), (64, 64)
#: Task id (= record ``task`` = protocol id) -> how to run it. ``config``
#: is relative to configs/benchmarks with ``{s}`` for the student id;
#: ``kind`` 'train' fine-tunes (metrics: last validation), 'test' only
#: evaluates the pretrained weights; ``overrides`` are config fragments
#: (relative to configs/benchmarks) merged into the stock config first,
#: e.g. to run it on ToyWorld (data and sizes only; same model and code).
TASKS: Dict[str, dict] = {
    'coco_mask-rcnn_fpn_1x':
    _task('mmdet/mask-rcnn_{s}-ssl-pre_fpn_1x_coco.py', 'train', 'COCO',
          _COCO),
    'coco_mask-rcnn_fpn-4conv1fc_1x':
    _task('mmdet/mask-rcnn_{s}-ssl-pre_fpn-4conv1fc_1x_coco.py', 'train',
          'COCO', _COCO),
    'coco_mask-rcnn_fpn-4conv1fc_ms-1x':
    _task('mmdet/mask-rcnn_{s}-ssl-pre_fpn-4conv1fc_ms-1x_coco.py', 'train',
          'COCO', _COCO),
    'coco_mask-rcnn_fpn_lgd-adamw-1x':
    _task('mmdet/mask-rcnn_{s}-ssl-pre_fpn_lgd-adamw-1x_coco.py', 'train',
          'COCO', _COCO, ('r18', 'mbv2')),
    'coco_retinanet_fpn_1x':
    _task('mmdet/retinanet_{s}-ssl-pre_fpn_1x_coco.py', 'train', 'COCO',
          _COCO),
    'ade20k_upernet_160k':
    _task('mmseg/upernet_{s}-ssl-pre_4xb4-160k_ade20k-512x512.py', 'train',
          'ADE20K', _ADE),
    'ade20k_fpn_80k':
    _task('mmseg/fpn_{s}-ssl-pre_4xb4-80k_ade20k-512x512.py', 'train',
          'ADE20K', _ADE),
    'cityscapes_fcn-d8_80k':
    _task('mmseg/fcn_{s}-ssl-pre-d8_4xb2-80k_cityscapes-769x769.py', 'train',
          'Cityscapes', _CITY, ('r18', 'mbv2')),
    'cityscapes_upernet_80k':
    _task('mmseg/upernet_{s}-ssl-pre_4xb2-80k_cityscapes-769x769.py', 'train',
          'Cityscapes', _CITY, ('r18', 'mbv2')),
    'in1k_linear':
    _task('classification/linear_{s}-ssl-pre_8xb32-steplr-100e_in1k.py',
          'train', 'ImageNet-1k', _CLS),
    'in1k-1pct_linear':
    _task('classification/linear_{s}-ssl-pre_8xb32-steplr-100e_in1k-1pct.py',
          'train', 'ImageNet-1k (1% labels)', _CLS),
    'in1k-10pct_linear':
    _task('classification/linear_{s}-ssl-pre_8xb32-steplr-100e_in1k-10pct.py',
          'train', 'ImageNet-1k (10% labels)', _CLS),
    'caltech256_linear':
    _task('classification/linear_{s}-ssl-pre_8xb32-steplr-100e_caltech256.py',
          'train', 'Caltech-256', _CLS),
    'in1k_knn':
    _task('classification/knn_{s}-ssl-pre_k20-t0.07_in1k.py', 'test',
          'ImageNet-1k', _CLS),
    'in1k_zero_shot':
    _task(
        'classification/zero-shot_{s}-lgd-pre_clip-rn50_in1k.py',
        'test',
        'ImageNet-1k',
        _CLS,
        head=True),
    'caltech256_zero_shot':
    _task(
        'classification/zero-shot_{s}-lgd-pre_clip-rn50_caltech256.py',
        'test',
        'Caltech-256',
        _CLS,
        head=True),
    # the offline ToyWorld benchmark (tools/demo.py): the stock configs
    # above with configs/benchmarks/toyworld/ fragments
    'toyworld_mask-rcnn_fpn':
    _task(
        'mmdet/mask-rcnn_{s}-ssl-pre_fpn_1x_coco.py',
        'train',
        'ToyWorld',
        _TOY,
        overrides=['toyworld/mask-rcnn_fpn_toyworld.py']),
    'toyworld_retinanet_fpn':
    _task(
        'mmdet/retinanet_{s}-ssl-pre_fpn_1x_coco.py',
        'train',
        'ToyWorld',
        _TOY,
        overrides=['toyworld/retinanet_fpn_toyworld.py']),
    'toyworld_fpn':
    _task(
        'mmseg/fpn_{s}-ssl-pre_4xb4-80k_ade20k-512x512.py',
        'train',
        'ToyWorld',
        _TOY,
        overrides=['toyworld/fpn_toyworld.py']),
    'toyworld_upernet':
    _task(
        'mmseg/upernet_{s}-ssl-pre_4xb4-160k_ade20k-512x512.py',
        'train',
        'ToyWorld',
        _TOY,
        overrides=['toyworld/upernet_toyworld.py']),
    'toyworld_linear':
    _task(
        'classification/linear_{s}-ssl-pre_8xb32-steplr-100e_in1k.py',
        'train',
        'ToyWorld',
        _TOY_CLS,
        overrides=['toyworld/linear_toyworld.py']),
    'toyworld_knn':
    _task(
        'classification/knn_{s}-ssl-pre_k20-t0.07_in1k.py',
        'test',
        'ToyWorld',
        _TOY_CLS,
        overrides=['toyworld/knn_toyworld.py']),
    'toyworld_zero_shot':
    _task(
        'classification/zero-shot_{s}-lgd-pre_clip-rn50_in1k.py',
        'test',
        'ToyWorld',
        _TOY_CLS,
        head=True,
        overrides=['toyworld/zero-shot_toyworld.py']),
}
#: Named groups of tasks for ``--suite``.
SUITES: Dict[str, List[str]] = {
    'det': ['coco_mask-rcnn_fpn_1x', 'coco_retinanet_fpn_1x'],
    'seg': ['ade20k_upernet_160k', 'ade20k_fpn_80k'],
    'cityscapes': ['cityscapes_fcn-d8_80k', 'cityscapes_upernet_80k'],
    'cls': ['in1k_linear', 'in1k_knn', 'in1k_zero_shot'],
    'semi': ['in1k-1pct_linear', 'in1k-10pct_linear'],
    'caltech': ['caltech256_linear', 'caltech256_zero_shot'],
    'lgd-official': ['coco_mask-rcnn_fpn_lgd-adamw-1x'],
    # the demo's transfer tasks; toyworld-all adds the second model of each
    'toyworld': [
        'toyworld_mask-rcnn_fpn', 'toyworld_fpn', 'toyworld_linear',
        'toyworld_knn', 'toyworld_zero_shot'
    ],
}
SUITES['toyworld-all'] = SUITES['toyworld'] + [
    'toyworld_retinanet_fpn', 'toyworld_upernet'
]
SUITES['all'] = [
    t for name in ('det', 'seg', 'cls', 'semi', 'caltech')
    for t in SUITES[name]
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


def resolve_tasks(tasks: Optional[Sequence[str]] = None,
                  suite: Optional[str] = None) -> List[str]:
    """Task ids from explicit ids and/or a suite name, in order, unique."""
    names = list(tasks or [])
    if suite:
        if suite not in SUITES:
            raise KeyError(f'unknown suite {suite!r}; choose from '
                           f'{sorted(SUITES)}')
        names = SUITES[suite] + names
    unknown = [t for t in names if t not in TASKS]
    if unknown:
        raise KeyError(f'unknown task(s) {unknown}; choose from '
                       f'{sorted(TASKS)}')
    if not names:
        raise ValueError('no task given: pass --tasks and/or --suite')
    return list(dict.fromkeys(names))


def task_config(task: str, student: str) -> str:
    """Path of the config running ``task`` for ``student``."""
    spec = TASKS[task]
    if student not in spec['students']:
        raise ValueError(f'task {task} has no config for student '
                         f'{student!r} (only {list(spec["students"])})')
    return osp.join(CONFIG_ROOT, spec['config'].format(s=student))


def sync_bn_to_bn(cfg):
    """Replace SyncBN norm layers by BN in a (model) config, in place.

    mmengine's non-distributed Runner reverts SyncBN itself, but models
    built directly (scripts, complexity counting) would fail on one device.
    """
    if isinstance(cfg, dict):
        if cfg.get('type') in ('SyncBN', 'MMSyncBN'):
            cfg['type'] = 'BN'
        for value in cfg.values():
            sync_bn_to_bn(value)
    elif isinstance(cfg, list):
        for value in cfg:
            sync_bn_to_bn(value)
    return cfg


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
        task (str): A :data:`TASKS` id.
        student (str): Student id (``r18``, ``mbv2``, ``mbv3-l``,
            ``effb0``).
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
            Config.fromfile(osp.join(CONFIG_ROOT, fragment)).to_dict())
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

    The projector's type and widths come from its weights (lgd_mm's
    ``ProjectionNeck``: ``fc0``/``fc1``; mmpretrain's ``MoCoV2Neck`` of
    DisCo: ``mlp.0``/``mlp.2``), and the teacher (whose text tower builds
    the evaluation bank) from the checkpoint's meta: the student was
    distilled into that teacher's embedding space.

    Args:
        payload (dict): ``{'state_dict', 'meta'}`` from
            :func:`~lgd_mm.benchmark.extract.extract_backbone`.

    Returns:
        dict: Dotted config options (possibly empty).
    """
    weights, meta = payload['state_dict'], payload['meta']
    options = {}
    for neck, first, last in (('ProjectionNeck', 'fc0', 'fc1'),
                              ('MoCoV2Neck', 'mlp.0', 'mlp.2')):
        w0 = weights.get(f'neck.{first}.weight')
        w1 = weights.get(f'neck.{last}.weight')
        if w0 is not None and w1 is not None:
            options.update({
                'model.neck.type': neck,
                'model.neck.in_channels': w0.shape[1],
                'model.neck.hid_channels': w0.shape[0],
                'model.neck.out_channels': w1.shape[0]
            })
            break
    if meta.get('teacher'):
        tag = meta.get('teacher_weights')
        options['model.teacher.model_name'] = meta['teacher']
        options['model.teacher.pretrained'] = None if tag in (None,
                                                              'None') else tag
    return options


def final_val_metrics(work_dir: str) -> Dict[str, float]:
    """The last validation metrics a training run logged.

    Reads ``scalars.json`` of mmengine's ``LocalVisBackend`` in the newest
    run folder of ``work_dir``, so it works for in-process, ``dist_train.sh``
    and slurm runs alike.
    """
    files = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    if not files:
        raise FileNotFoundError(f'no */vis_data/scalars.json in {work_dir}; '
                                'did the run validate with LocalVisBackend?')
    last = {}
    with open(max(files, key=osp.getmtime), encoding='utf-8') as f:
        for line in f:
            entry = json.loads(line)
            if any(k in METRIC_MAP for k in entry):
                last = entry
    if not last:
        raise RuntimeError(f'{work_dir}: the run logged no validation '
                           f'metric (expected one of {sorted(METRIC_MAP)})')
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
    key = json.dumps(
        [backbone_cfg.to_dict() if hasattr(backbone_cfg, 'to_dict') else
         backbone_cfg, scope, list(input_shape)],
        sort_keys=True, default=str)
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
                backbone, tuple(input_shape), show_table=False,
                show_arch=False)
        flops = round(info['flops'] / 1e9, 3)
    except Exception:  # tracing can fail for exotic ops; params still count
        flops = None
    return round(params / 1e6, 3), flops


def _train_cmd(launcher: str, cfg_file: str, work_dir: str, gpus: int,
               partition: Optional[str], job: str) -> List[str]:
    if launcher == 'pytorch':
        return [
            'bash',
            osp.join(REPO, 'tools', 'dist_train.sh'), cfg_file,
            str(gpus), '--work-dir', work_dir
        ]
    if launcher == 'slurm':
        return [
            'bash',
            osp.join(REPO, 'tools', 'slurm_train.sh'), partition, job,
            cfg_file, work_dir
        ]
    return [
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), cfg_file, '--work-dir', work_dir
    ]


def _test_cmd(launcher: str, cfg_file: str, ckpt: str, out: str, gpus: int,
              partition: Optional[str], job: str) -> List[str]:
    test = [osp.join(REPO, 'tools', 'test.py'), cfg_file, ckpt, '--out', out]
    if launcher == 'pytorch':
        return [
            'bash',
            osp.join(REPO, 'tools', 'dist_test.sh'), cfg_file, ckpt,
            str(gpus), '--out', out
        ]
    if launcher == 'slurm':
        per_node = min(gpus, 8)
        return [
            'srun', '-p', partition, f'--job-name={job}',
            f'--gres=gpu:{per_node}', f'--ntasks={gpus}',
            f'--ntasks-per-node={per_node}', '--kill-on-bad-exit=1',
            sys.executable, '-u'
        ] + test + ['--launcher', 'slurm']
    return [sys.executable] + test


def run_task(cfg: Config,
             kind: str,
             launcher: str = 'none',
             gpus: int = 1,
             partition: Optional[str] = None,
             job_name: str = 'lgd_bench') -> Dict[str, float]:
    """Run one prepared config and return its final runner metrics.

    Args:
        cfg (Config): From :func:`prepare_config`.
        kind (str): 'train' (fine-tune; metrics of the last validation) or
            'test' (evaluate ``load_from``).
        launcher (str): 'none' runs a Runner in this process; 'pytorch'
            uses ``tools/dist_train.sh`` / ``dist_test.sh`` with ``gpus``
            processes; 'slurm' uses ``tools/slurm_train.sh`` / ``srun`` on
            ``partition``.
        gpus (int): Processes (GPUs) for 'pytorch' and 'slurm'.
        partition (str, optional): Slurm partition.
        job_name (str): Slurm job name.

    Returns:
        dict: Metric name -> value, as the runner reports them.
    """
    work_dir = cfg.work_dir
    os.makedirs(work_dir, exist_ok=True)
    if launcher == 'none':
        from lgd_mm.utils.cli import build_runner
        runner = build_runner(cfg)
        if kind == 'train':
            runner.train()
            return final_val_metrics(work_dir)
        return runner.test()
    if launcher == 'slurm' and not partition:
        raise ValueError('--launcher slurm needs a partition')
    cfg_file = osp.join(work_dir, 'benchmark_config.py')
    cfg.dump(cfg_file)
    env = dict(os.environ, GPUS=str(gpus), PYTHON=sys.executable)
    if kind == 'train':
        cmd = _train_cmd(launcher, cfg_file, work_dir, gpus, partition,
                         job_name)
        subprocess.run(cmd, check=True, cwd=REPO, env=env)
        return final_val_metrics(work_dir)
    out = osp.join(work_dir, 'metrics.json')
    cmd = _test_cmd(launcher, cfg_file, cfg.load_from, out, gpus, partition,
                    job_name)
    subprocess.run(
        cmd + ['--work-dir', work_dir], check=True, cwd=REPO, env=env)
    with open(out, encoding='utf-8') as f:
        return json.load(f)


def _batch(cfg: Config, kind: str) -> Optional[int]:
    loader = cfg.get('train_dataloader' if kind ==
                     'train' else 'test_dataloader')
    return loader.get('batch_size') if loader else None


def make_record(task: str,
                student: str,
                raw_metrics: Dict[str, float],
                cfg: Config,
                meta: dict,
                method: Optional[str] = None,
                gpus: int = 1,
                complexity: Tuple[Optional[float],
                                  Optional[float]] = (None, None),
                extra: Optional[dict] = None) -> BenchmarkRecord:
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
        config=osp.relpath(task_config(task, student), REPO),
        work_dir=cfg.work_dir,
        **more,
        **(extra or {}))
    return BenchmarkRecord(
        method=method or meta.get('algorithm') or 'unknown',
        student=STUDENT_NAMES.get(student, student),
        task=task,
        metrics=metrics,
        teacher=teacher,
        protocol=task,
        dataset=spec['dataset'],
        params_m=complexity[0],
        flops_g=complexity[1],
        extra=info)
