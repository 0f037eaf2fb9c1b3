"""The transfer tasks, as ``configs/benchmarks/tasks.yml`` describes them.

One entry per task: its config (``{student}`` for the student id), kind
(``train`` fine-tunes, ``test`` evaluates), data set, FLOPs input size,
whether the export keeps the projector, config fragments merged first and
the suites it belongs to. The file is the one description; this module
reads it (through the packaged configs) and answers questions about it.
"""
import functools
import os.path as osp
from collections.abc import Mapping
from typing import Dict, List, Optional, Sequence

import yaml

from lgd_mm.utils.config_paths import config_path, config_root

__all__ = ['TASKS', 'SUITES', 'load_tasks', 'resolve_tasks', 'task_config',
           'task_students']

_KINDS = ('train', 'test')


@functools.lru_cache(maxsize=None)
def load_tasks() -> Dict[str, dict]:
    """Task id -> ``config``, ``kind``, ``dataset``, ``input_shape``
    ``(3, H, W)``, ``needs_head``, ``overrides``, ``suites``.

    Raises:
        ValueError: An entry misses a key or has a bad value (names the
            file and the task).
    """
    path = config_path('benchmarks', 'tasks.yml')
    with open(path, encoding='utf-8') as f:
        entries = (yaml.safe_load(f) or {}).get('Tasks') or []
    tasks = {}
    for entry in entries:
        name = entry.get('Name')
        missing = [k for k in ('Name', 'Config', 'Kind', 'Dataset',
                               'Input Size') if k not in entry]
        if missing or entry['Kind'] not in _KINDS or name in tasks:
            raise ValueError(
                f'{path}: task {name!r}: missing {missing}, duplicate '
                f'name, or Kind {entry.get("Kind")!r} not in {_KINDS}')
        tasks[name] = dict(
            config=entry['Config'],
            kind=entry['Kind'],
            dataset=entry['Dataset'],
            input_shape=(3, ) + tuple(entry['Input Size']),
            needs_head=bool(entry.get('Needs Head', False)),
            overrides=tuple(entry.get('Overrides') or ()),
            suites=tuple(entry.get('Suites') or ()))
    return tasks


@functools.lru_cache(maxsize=None)
def _suites() -> Dict[str, List[str]]:
    suites: Dict[str, List[str]] = {}
    for name, spec in load_tasks().items():
        for suite in spec['suites']:
            suites.setdefault(suite, []).append(name)
    return suites


class _FromFile(Mapping):
    """A read-only mapping filled from the task file on first use, so that
    importing ``lgd_mm.benchmark`` reads no file."""

    def __init__(self, fill):
        self._fill = fill

    def _data(self) -> dict:
        return self._fill()  # memoised by load_tasks

    def __getitem__(self, key):
        return self._data()[key]

    def __iter__(self):
        return iter(self._data())

    def __len__(self):
        return len(self._data())

    def __repr__(self):
        return repr(self._data())


#: Task id -> description (see :func:`load_tasks`).
TASKS: Mapping[str, dict] = _FromFile(load_tasks)
#: Suite name -> task ids, in the file's order.
SUITES: Mapping[str, List[str]] = _FromFile(_suites)


def task_students(task: str) -> List[str]:
    """Student ids that have a config for ``task``."""
    from .students import student_ids
    template = TASKS[task]['config']
    return [
        s for s in student_ids()
        if osp.isfile(osp.join(config_root(), template.format(student=s)))
    ]


def task_config(task: str, student: str) -> str:
    """Absolute path of the config running ``task`` for ``student``.

    Raises:
        KeyError: Unknown task.
        ValueError: The task has no config for this student.
    """
    if task not in TASKS:
        raise KeyError(f'unknown task {task!r}; choose from {sorted(TASKS)}')
    path = osp.join(config_root(), TASKS[task]['config'].format(
        student=student))
    if not osp.isfile(path):
        raise ValueError(f'task {task} has no config for student '
                         f'{student!r} (only {task_students(task)}; '
                         f'{path} does not exist)')
    return path


def resolve_tasks(tasks: Optional[Sequence[str]] = None,
                  suite: Optional[str] = None) -> List[str]:
    """Task ids from explicit ids and/or a suite name, in order, unique."""
    names = list(tasks or [])
    if suite:
        if suite not in SUITES:
            raise KeyError(f'unknown suite {suite!r}; choose from '
                           f'{sorted(SUITES)}')
        names = list(SUITES[suite]) + names
    unknown = [t for t in names if t not in TASKS]
    if unknown:
        raise KeyError(f'unknown task(s) {unknown}; choose from '
                       f'{sorted(TASKS)}')
    if not names:
        raise ValueError('no task given: pass tasks and/or a suite')
    return list(dict.fromkeys(names))
