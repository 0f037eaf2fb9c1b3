"""Numbers in a config that cannot be right are refused before a run.

A NaN anywhere, or a learning rate, batch size, momentum, temperature or
schedule length outside its range, would otherwise start a run that
diverges, divides by zero or silently does nothing. :func:`check_config_values`
walks the whole config once and names the dotted key, the value and the
range it expects. Ranges are by key name (the last part of the dotted key),
so they hold in every section that uses the name.
"""
import math
from typing import Iterator, Tuple

__all__ = ['ConfigValueError', 'VALUE_RANGES', 'check_config_values']

_INF = math.inf

#: key name -> (low, high, low included, high included): the values that
#: make sense wherever the key appears.
VALUE_RANGES = {
    'lr': (0., _INF, False, False),
    'weight_decay': (0., _INF, True, False),
    'momentum': (0., 1., True, True),
    'vsb_momentum': (0., 1., True, True),
    'student_temp': (0., _INF, False, False),
    'teacher_temp': (0., _INF, False, False),
    'temperature': (0., _INF, False, False),
    'batch_size': (1, _INF, True, False),
    'num_workers': (0, _INF, True, False),
    'max_epochs': (1, _INF, True, False),
    'max_iters': (1, _INF, True, False),
    'val_interval': (1, _INF, True, False),
    'queue_size': (1, _INF, True, False),
    'global_batch_size': (1, _INF, True, False),
    'warmup_epochs': (0, _INF, True, False),
    'vis_weight': (0., _INF, True, False),
    'tex_weight': (0., _INF, True, False),
    'loss_weight': (0., _INF, True, False),
}


class ConfigValueError(ValueError):
    """A config number is not finite or outside its range."""


def _numbers(node, path: str) -> Iterator[Tuple[str, float]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _numbers(value, f'{path}.{key}' if path else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _numbers(value, f'{path}[{i}]')
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, node


def _in_range(value, low, high, low_in, high_in) -> bool:
    above = value >= low if low_in else value > low
    below = value <= high if high_in else value < high
    return above and below


def check_config_values(cfg, source: str = 'the config') -> int:
    """Refuse NaN anywhere and out-of-range values of :data:`VALUE_RANGES`.

    Args:
        cfg (Config | dict): The config, after overrides.
        source (str): Where it came from, for the message.

    Returns:
        int: How many numbers were checked.

    Raises:
        ConfigValueError: Names the dotted key, the value and the range.
    """
    data = cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg
    count = 0
    for key, value in _numbers(data, ''):
        count += 1
        name = key.rsplit('.', 1)[-1].split('[')[0]
        if isinstance(value, float) and math.isnan(value):
            raise ConfigValueError(f'{key}={value} in {source}: NaN is not a '
                                   'usable setting')
        if name in VALUE_RANGES:
            low, high, low_in, high_in = VALUE_RANGES[name]
            if not _in_range(value, low, high, low_in, high_in):
                lo = '[' if low_in else '('
                hi = ']' if high_in else ')'
                raise ConfigValueError(
                    f'{key}={value} in {source}: expected a value in '
                    f'{lo}{low}, {high}{hi} (finite)')
    return count
