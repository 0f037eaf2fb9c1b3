"""Paper-reported results from OpenMMLab metafiles, as benchmark records.

The leaderboard shows numbers from papers next to our own runs. They live in
the ``configs/<algo>/metafile.yml`` files (OpenMMLab format, extended as in
``docs/benchmarks.md`` §6) and :func:`reported_records` turns them into
:class:`~lgd_mm.benchmark.BenchmarkRecord` with ``source='reported'``.

Metafile layout read here::

    Collections:
      - Name: LGD                        # -> record.method
        Paper: {Title: ..., URL: ...}    # -> record.reference (default)
    Models:
      # a pre-training run: what was distilled, into what
      - Name: lgd_r18_clip-rn50_8xb256-amp-coslr-200e_in1k
        In Collection: LGD
        Metadata:
          Epochs: 200                    # -> extra.epochs
          Training Data: ImageNet-1k     # -> extra.training_data
          Vocabulary: imagenet           # optional (LGD's text bank)
          Teacher: CLIP RN50 (openai)    # -> record.teacher
          Student: ResNet-18             # -> record.student ('r18')
          Parameters: 11176512           # backbone -> record.params_m
          FLOPs: 1820000000              # backbone -> record.flops_g
        Results: null
        Downstream:                      # names of the result entries
          - in1k_zero_shot_r18_lgd-200e-pre
      # a downstream result of that run
      - Name: in1k_zero_shot_r18_lgd-200e-pre
        In Collection: LGD
        Metadata:
          Protocol: in1k_zero_shot       # -> record.task and .protocol
          Reference: LGD paper, ...      # optional, else Paper of the
                                         # collection
          Source: reported               # optional: reported (default)
        Results:                         # merged into record.metrics
          - Task: Image Classification
            Dataset: ImageNet-1k         # -> record.dataset
            Metrics: {Top 1 Accuracy: 49.5}
        Config: configs/benchmarks/...

Mapping rules:

* Every entry whose ``Results`` is not null gives one record. Its
  pre-training context (Teacher, Student, Epochs, Training Data, Vocabulary,
  Parameters, FLOPs) is the Metadata of the entry that lists it under
  ``Downstream``, overridden by its own Metadata; an entry with Results and
  no parent must carry Teacher and Student itself.
* ``Metadata.Protocol`` is required on result entries: it is the lgd_mm
  task id (an entry of ``configs/benchmarks/tasks.yml``, e.g.
  ``in1k_zero_shot``, ``caltech256_zero_shot``, ``in1k_linear``,
  ``in1k-1pct_linear``, ``in1k-10pct_linear``, ``caltech256_linear``,
  ``coco_mask-rcnn_fpn_1x``, ``ade20k_upernet_160k``), so reported and
  measured numbers share a leaderboard column only under the same protocol.
* Metric names: ``Top 1 Accuracy`` -> ``top1``, ``Top 5 Accuracy`` ->
  ``top5``, ``box AP`` -> ``box_AP`` (``box AP50``/``box AP75`` too),
  ``mask AP`` -> ``mask_AP`` (and AP50/75), ``mIoU``, ``mAcc``, ``aAcc``;
  the record names themselves are accepted too. Values are in percent.
* Students are mapped to their ids (``ResNet-18`` -> ``r18``, as
  ``configs/_base_/students/`` names them and ``tools/benchmark.py`` writes
  them); other names are kept as they are.
* ``extra.pretrain`` is a short pre-training label, e.g. ``'200e IN/IN'``
  (epochs, training data / text vocabulary), which the leaderboard shows and
  uses to tell rows of the same method and student apart.
"""
import glob
import os.path as osp
from typing import Dict, Iterable, List, Optional

import yaml

from .records import METRIC_NAMES, BenchmarkRecord
from .students import student_id

__all__ = [
    'METAFILE_METRICS', 'find_metafiles', 'pretrain_label',
    'metafile_records', 'reported_records'
]

#: Metafile metric name -> record metric name.
METAFILE_METRICS: Dict[str, str] = {
    'Top 1 Accuracy': 'top1',
    'Top 5 Accuracy': 'top5',
    'box AP': 'box_AP',
    'box AP50': 'box_AP50',
    'box AP75': 'box_AP75',
    'mask AP': 'mask_AP',
    'mask AP50': 'mask_AP50',
    'mask AP75': 'mask_AP75',
    **{
        name: name
        for name in METRIC_NAMES
    },
}
# Short data / vocabulary names of the paper's "Data/Text" column.
_SHORT_DATA = {
    'ImageNet-1k': 'IN',
    'imagenet': 'IN',
    'Caltech-256': 'CT',
    'caltech256': 'CT',
}
_CONTEXT_KEYS = ('Teacher', 'Student', 'Epochs', 'Training Data', 'Vocabulary',
                 'Parameters', 'FLOPs')


def find_metafiles(paths: Iterable[str]) -> List[str]:
    """``metafile.yml`` files given directly or found under directories."""
    found = []
    for path in paths:
        if osp.isdir(path):
            found += sorted(
                glob.glob(
                    osp.join(path, '**', 'metafile.yml'), recursive=True))
        elif osp.isfile(path):
            found.append(path)
        else:
            raise FileNotFoundError(f'no metafile or directory at {path}')
    return found


def pretrain_label(epochs=None,
                   training_data: Optional[str] = None,
                   vocabulary: Optional[str] = None) -> str:
    """Short pre-training label: ``'200e IN/IN'``, ``'90e IN/CT'``,
    ``'200e IN'``."""
    parts = []
    if epochs is not None:
        parts.append(f'{epochs}e')
    if training_data:
        data = _SHORT_DATA.get(training_data, training_data)
        if vocabulary:
            data += '/' + _SHORT_DATA.get(vocabulary, vocabulary)
        parts.append(data)
    return ' '.join(parts)


def _collection_refs(meta: dict) -> Dict[str, str]:
    refs = {}
    for coll in meta.get('Collections') or []:
        paper = coll.get('Paper') or {}
        ref = ' '.join(
            str(v) for v in (paper.get('Title'), paper.get('URL')) if v)
        refs[coll['Name']] = ref
    return refs


def _metrics(path: str, name: str, results: list) -> tuple:
    """(metrics dict, dataset) of one entry's Results list."""
    metrics, datasets = {}, set()
    for res in results:
        datasets.add(res.get('Dataset', ''))
        for key, value in (res.get('Metrics') or {}).items():
            if key not in METAFILE_METRICS:
                raise ValueError(
                    f'{path}: model {name}: unknown metric {key!r}; '
                    f'expected one of {sorted(METAFILE_METRICS)}')
            metrics[METAFILE_METRICS[key]] = float(value)
    if len(datasets) > 1:
        raise ValueError(f'{path}: model {name}: Results mix data sets '
                         f'{sorted(datasets)}; use one entry per data set')
    return metrics, datasets.pop() if datasets else ''


def metafile_records(path: str) -> List[BenchmarkRecord]:
    """The records of one metafile (see the module docstring)."""
    with open(path, encoding='utf-8') as f:
        meta = yaml.safe_load(f) or {}
    models = meta.get('Models') or []
    refs = _collection_refs(meta)
    parents = {}
    for entry in models:
        for child in entry.get('Downstream') or []:
            parents[child] = entry
    records = []
    for entry in models:
        name = entry.get('Name', '?')
        if not entry.get('Results'):
            continue
        parent = parents.get(name, {})
        own = entry.get('Metadata') or {}
        ctx = {
            k: v
            for k, v in (parent.get('Metadata') or {}).items()
            if k in _CONTEXT_KEYS
        }
        ctx.update(own)
        missing = [
            k for k in ('Protocol', 'Student', 'Teacher') if not ctx.get(k)
        ]
        if missing:
            raise ValueError(
                f'{path}: model {name} has Results but no Metadata '
                f'{missing} (Protocol is the lgd_mm task id, e.g. '
                'in1k_linear; Student/Teacher come from the pre-training '
                'entry that lists it under Downstream)')
        method = entry.get('In Collection') or parent.get('In Collection')
        if not method:
            raise ValueError(f'{path}: model {name} has no "In Collection"')
        metrics, dataset = _metrics(path, name, entry['Results'])
        params, flops = ctx.get('Parameters'), ctx.get('FLOPs')
        extra = dict(
            model=name,
            pretrain_model=parent.get('Name'),
            metafile=path,
            config=entry.get('Config'),
            epochs=ctx.get('Epochs'),
            training_data=ctx.get('Training Data'),
            vocabulary=ctx.get('Vocabulary'),
            pretrain=pretrain_label(
                ctx.get('Epochs'), ctx.get('Training Data'),
                ctx.get('Vocabulary')))
        try:
            records.append(
                BenchmarkRecord(
                    method=str(method),
                    student=student_id(str(ctx['Student'])),
                    teacher=str(ctx['Teacher']),
                    task=str(ctx['Protocol']),
                    protocol=str(ctx['Protocol']),
                    dataset=dataset,
                    metrics=metrics,
                    params_m=None if params is None else params / 1e6,
                    flops_g=None if flops is None else flops / 1e9,
                    source=ctx.get('Source', 'reported'),
                    reference=str(
                        ctx.get('Reference') or refs.get(method) or ''),
                    extra={
                        k: v
                        for k, v in extra.items() if v is not None
                    }))
        except ValueError as e:
            raise ValueError(f'{path}: model {name}: {e}') from None
    return records


def reported_records(paths: Iterable[str]) -> List[BenchmarkRecord]:
    """Records of every metafile in ``paths`` (files or directories)."""
    records = []
    for path in find_metafiles(paths):
        records += metafile_records(path)
    return records
