from .records import (METRIC_NAMES, SCHEMA, BenchmarkRecord,
                      find_records)

__all__ = ['METRIC_NAMES', 'SCHEMA', 'BenchmarkRecord', 'find_records']
from .extract import extract_backbone  # noqa: E402
from .runner import SUITES, TASKS, prepare_config, run_task  # noqa: E402

__all__ += [
    'extract_backbone', 'SUITES', 'TASKS', 'prepare_config', 'run_task'
]
from .leaderboard import build_leaderboard, make_leaderboard  # noqa: E402
from .reported import reported_records  # noqa: E402

__all__ += ['build_leaderboard', 'make_leaderboard', 'reported_records']
