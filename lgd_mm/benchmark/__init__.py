"""Benchmarks of pre-trained backbones: tasks, runs, records, leaderboard.

``run`` is the public entry point (``tools/benchmark.py`` and
``tools/demo.py`` call it); tasks and students are described once, in
``configs/benchmarks/tasks.yml`` and ``configs/_base_/students/``.
"""
from .records import (METRIC_NAMES, SCHEMA, BenchmarkRecord,
                      find_records)

__all__ = ['METRIC_NAMES', 'SCHEMA', 'BenchmarkRecord', 'find_records']
from .tasks import SUITES, TASKS, resolve_tasks, task_config  # noqa: E402
from .extract import extract_backbone  # noqa: E402
from .runner import prepare_config, run_task  # noqa: E402
from .api import run  # noqa: E402

__all__ += [
    'SUITES', 'TASKS', 'resolve_tasks', 'task_config', 'extract_backbone',
    'prepare_config', 'run_task', 'run'
]
from .leaderboard import build_leaderboard, make_leaderboard  # noqa: E402
from .reported import reported_records  # noqa: E402

__all__ += ['build_leaderboard', 'make_leaderboard', 'reported_records']
