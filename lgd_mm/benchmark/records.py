"""Benchmark records: one JSON file per (method, student, task) result.

``tools/benchmark.py`` writes them, ``tools/leaderboard.py`` reads them from
any set of work dirs. A record is plain JSON (no pickles) so results from
clusters can be copied around and merged.

Schema ``lgd_mm.benchmark.v1`` (keys of :class:`BenchmarkRecord`):

* ``method``: pre-training method row label, e.g. ``'LGD'``, ``'SEED'``,
  ``'random init'``, ``'supervised'``.
* ``student``: backbone id, e.g. ``'r18'``, ``'mbv2'`` (``configs/_base_/students/``).
* ``teacher``: teacher id (``'CLIP RN50 (openai)'``) or ``'-'``.
* ``task``: downstream task id, e.g. ``'coco_mask-rcnn_fpn_1x'``,
  ``'ade20k_upernet_160k'``, ``'in1k_linear'``, ``'in1k_knn'``,
  ``'in1k_zero_shot'``.
* ``protocol``: protocol id; rows are only compared within one protocol.
* ``dataset``: evaluation data set name.
* ``metrics``: ``{name: float}`` with the names of
  :data:`METRIC_NAMES` (box AP, mask AP, mIoU, top-1, ...), in percent.
* ``params_m`` / ``flops_g``: backbone parameters (millions) and FLOPs
  (GFLOPs at the task's input size), or None.
* ``source``: ``'ours'`` (measured by this suite) or ``'reported'`` (from a
  paper; ``reference`` then says where).
* ``shortened``: how the run (pre-training or transfer) departed from its
  config's protocol, e.g. ``['pre-training --smoke']``; empty when both
  followed it (:mod:`lgd_mm.utils.protocol`). Leaderboards leave shortened
  records out unless asked.
* ``extra``: free-form primitives (seed, gpus x batch, normalisation,
  checkpoint, config, work dir, wall time, ...).
"""
import glob
import json
import math
import os.path as osp
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterable, List, Optional

from lgd_mm.utils.fileio import atomic_json_dump

SCHEMA = 'lgd_mm.benchmark.v1'
#: Canonical metric names (values in percent).
METRIC_NAMES = ('box_AP', 'box_AP50', 'box_AP75', 'mask_AP', 'mask_AP50',
                'mask_AP75', 'mIoU', 'mAcc', 'aAcc', 'top1', 'top5')
SOURCES = ('ours', 'reported')


@dataclass
class BenchmarkRecord:
    """One downstream result of one pre-trained backbone (see module doc)."""
    method: str
    student: str
    task: str
    metrics: Dict[str, float]
    teacher: str = '-'
    protocol: str = ''
    dataset: str = ''
    params_m: Optional[float] = None
    flops_g: Optional[float] = None
    source: str = 'ours'
    reference: str = ''
    extra: Dict = field(default_factory=dict)
    shortened: List[str] = field(default_factory=list)
    schema: str = SCHEMA

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the field that is wrong."""
        for key in ('method', 'student', 'task'):
            if not isinstance(getattr(self, key), str) or not getattr(
                    self, key):
                raise ValueError(f'record field {key!r} must be a non-empty '
                                 f'string, got {getattr(self, key)!r}')
        if self.source not in SOURCES:
            raise ValueError(f'record source must be one of {SOURCES}, '
                             f'got {self.source!r}')
        if self.schema != SCHEMA:
            raise ValueError(f'record schema {self.schema!r} is not {SCHEMA}')
        if not isinstance(self.shortened, list) or not all(
                isinstance(s, str) for s in self.shortened):
            raise ValueError(f'record {self.key}: shortened must be a list '
                             f'of strings, got {self.shortened!r}')
        if not isinstance(self.metrics, dict) or not self.metrics:
            raise ValueError(f'record {self.key} has no metrics')
        for name, value in self.metrics.items():
            if name not in METRIC_NAMES:
                raise ValueError(f'record {self.key}: unknown metric {name!r}'
                                 f'; expected one of {METRIC_NAMES}')
            if not isinstance(value, (int, float)) or isinstance(
                    value, bool) or not math.isfinite(value):
                raise ValueError(f'record {self.key}: metric {name} must be '
                                 f'a finite number, got {value!r}')

    @property
    def key(self) -> str:
        return f'{self.method}|{self.student}|{self.task}|{self.source}'

    def file_name(self) -> str:
        """``<method>__<student>__<task>__<source>[__p<P>-s<S>].json``: runs
        of other seeds (pre-training ``P``, transfer ``S``, from ``extra``)
        get files of their own."""
        parts = [self.method, self.student, self.task, self.source]
        seeds = (self.extra.get('pretrain_seed'), self.extra.get('seed'))
        if any(s is not None for s in seeds):
            parts.append('p{}-s{}'.format(*('x' if s is None else s
                                            for s in seeds)))
        return '__'.join(safe_name(s) for s in parts) + '.json'

    def dump(self, out_dir: str) -> str:
        """Write the record into ``out_dir``; returns the file path."""
        path = osp.join(out_dir, self.file_name())
        # atomic: a crash never leaves a truncated record for the board
        return atomic_json_dump(asdict(self), path, indent=2, sort_keys=True)

    @classmethod
    def load(cls, path: str) -> 'BenchmarkRecord':
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        if not isinstance(data, dict) or data.get('schema') != SCHEMA:
            raise ValueError(f'{path} is not a {SCHEMA} benchmark record')
        try:
            return cls(**data)
        except (TypeError, ValueError) as e:
            raise ValueError(f'{path}: {e}') from None


def safe_name(text: str) -> str:
    """``text`` as one path component: letters, digits, ``-`` and ``.``
    kept, anything else (separators included) ``_``; no leading dot, so
    neither ``..`` nor a hidden name can come out of user text or file
    metadata."""
    name = ''.join(c if c.isalnum() or c in '-.' else '_' for c in str(text))
    return '_' + name[1:] if name.startswith('.') else (name or '_')


def find_records(paths: Iterable[str]) -> List[BenchmarkRecord]:
    """All records in the given files or (recursively) directories."""
    records = []
    for path in paths:
        if osp.isdir(path):
            files = sorted(
                glob.glob(osp.join(path, '**', '*.json'), recursive=True))
            for f in files:
                with open(f, encoding='utf-8') as fh:
                    try:
                        is_record = json.load(fh).get('schema') == SCHEMA
                    except (json.JSONDecodeError, AttributeError):
                        is_record = False
                if is_record:
                    records.append(BenchmarkRecord.load(f))
        elif osp.isfile(path):
            records.append(BenchmarkRecord.load(path))
        else:
            raise FileNotFoundError(f'no record file or directory at {path}')
    return records
