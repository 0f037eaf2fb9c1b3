"""Whether a run followed its config's protocol, or was shortened.

A config file is the protocol (schedule length, data split, batch). A run
keeps the ``--cfg-options`` it was started with and the list of ways they
(or ``--smoke``) shortened it, in ``cfg.run_protocol``; checkpoints carry
it in ``meta['lgd_mm']['protocol']`` and benchmark records in
``shortened``, so that leaderboards leave shortened runs out unless asked
(docs/benchmarks.md §6).

Overrides of paths (``data_root``, ``load_from``, weights), devices,
workers and logging do not change the protocol.
"""
import json
import re
from typing import Dict, List, Optional

__all__ = [
    'SHORTENING_KEYS', 'shortened_by', 'run_protocol', 'flatten_options',
    'plain'
]

#: Last components of the override keys that change what a run measures:
#: its length, its data (subset, split, annotations) or its batch.
SHORTENING_KEYS = ('max_epochs', 'max_iters', 'val_begin', 'batch_size',
                   'global_batch_size', 'indices', 'split', 'ann_file',
                   'begin', 'end', 'T_max', 'total_epochs', 'milestones',
                   'num_samples', 'subset')
_KEY_RE = re.compile(r'(^|\.)(' + '|'.join(SHORTENING_KEYS) + r')$')


def plain(value):
    """``value`` as JSON primitives (checkpoint meta loads weights-only)."""
    return json.loads(json.dumps(value, default=str))


def flatten_options(options: Dict, prefix: str = '') -> Dict:
    """Nested override dicts (config fragments) as dotted keys."""
    flat = {}
    for key, value in options.items():
        name = f'{prefix}{key}'
        if isinstance(value, dict) and value:
            flat.update(flatten_options(value, name + '.'))
        else:
            flat[name] = value
    return flat


def shortened_by(overrides: Optional[Dict], smoke: bool = False) -> List[str]:
    """The overrides (and ``'--smoke'``) that shortened a run, sorted.

    Args:
        overrides (dict, optional): ``--cfg-options`` as dotted keys.
        smoke (bool): Whether ``--smoke`` was given.

    Returns:
        List[str]: e.g. ``['--smoke', 'train_cfg.max_epochs=2']``; empty if
        the run followed its protocol.
    """
    out = sorted(f'{k}={json.dumps(plain(v))}'
                 for k, v in flatten_options(overrides or {}).items()
                 if _KEY_RE.search(str(k)) or str(k) == 'param_scheduler')
    return (['--smoke'] if smoke else []) + out


def run_protocol(overrides: Optional[Dict], smoke: bool = False) -> Dict:
    """``cfg.run_protocol``: the overrides and what shortened the run."""
    overrides = {str(k): plain(v) for k, v in (overrides or {}).items()}
    return dict(
        overrides=overrides,
        smoke=bool(smoke),
        shortened=shortened_by(overrides, smoke))
