from .records import (METRIC_NAMES, SCHEMA, BenchmarkRecord,
                      find_records)

__all__ = ['METRIC_NAMES', 'SCHEMA', 'BenchmarkRecord', 'find_records']
