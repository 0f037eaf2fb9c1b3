"""Reject ``--cfg-options`` keys that name nothing in the config.

``Config.merge_from_dict`` silently creates any key it is given, so a typo
(``model.backbone.dpeth=18``, ``trian_cfg.max_epochs=1``) trains the
unchanged recipe. :func:`check_cfg_options` requires every intermediate
key of an option to exist; a new last key is accepted only where the config
consumer takes it:

* a dict with a ``type``: a parameter of that class (or any key when it
  takes ``**kwargs``), found through lgd_mm's registries;
* a top-level ``*_dataloader`` dict: a ``DataLoader`` argument;
* a few type-less dicts the Runner reads (``randomness``, ``env_cfg``,
  ``auto_scale_lr``, loop configs, ``log_processor``);
* the top level: a ``Runner`` argument.
"""
import difflib
import inspect
from typing import Any, Iterable, Optional, Sequence, Set

from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch.utils.data import DataLoader

__all__ = ['UnknownConfigKeyError', 'check_cfg_options']

# Top-level keys read outside Runner.__init__ (tools, lgd_mm, mmengine).
_EXTRA_TOP_LEVEL = {
    'runner_type', 'launcher', 'global_batch_size', 'default_scope',
    'custom_imports', 'gpu_ids', 'auto_scale_lr'
}
# Type-less dicts the Runner consumes, and the keys it reads from them.
_RUNNER_DICTS = {
    'randomness': {'seed', 'deterministic', 'diff_rank_seed'},
    'env_cfg': {'cudnn_benchmark', 'mp_cfg', 'dist_cfg', 'resource_limit'},
    'auto_scale_lr': {'enable', 'base_batch_size'},
    'train_cfg': {
        'type', 'by_epoch', 'max_epochs', 'max_iters', 'val_begin',
        'val_interval', 'dynamic_intervals'
    },
    'val_cfg': {'type', 'fp16'},
    'test_cfg': {'type', 'fp16'},
}
# mmengine's build_dataloader handles these besides DataLoader's arguments.
_LOADER_EXTRAS = {'sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn'}


class UnknownConfigKeyError(KeyError):
    """An override names a key the config does not have."""

    def __str__(self) -> str:  # KeyError would print the repr
        return str(self.args[0])


def _params(obj) -> Optional[Set[str]]:
    """Parameter names of a class/function; None when it takes
    ``**kwargs`` (any key) or cannot be inspected."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return set(sig.parameters) - {'self'}


def _registered(type_name: str, scope: str) -> list:
    """Every object registered as ``type_name`` in lgd_mm's registries."""
    from lgd_mm import registry
    found = []
    with DefaultScope.overwrite_default_scope(scope):
        for name in registry.__all__:
            try:
                obj = getattr(registry, name).get(type_name)
            except Exception:  # a scope whose package is not installed
                obj = None
            if obj is not None and obj not in found:
                found.append(obj)
    return found


def _accepted(node: dict, path: Sequence[str], scope: str) -> Optional[set]:
    """Keys a dict at ``path`` may gain; None when anything goes."""
    if not path:
        from mmengine.runner import Runner
        return (_params(Runner) or set()) | _EXTRA_TOP_LEVEL
    if 'type' in node:
        kind = node['type']
        objs = _registered(kind, scope) if isinstance(kind, str) else [kind]
        if not objs:
            return None  # unknown to us: cannot tell
        keys = set()
        for obj in objs:
            params = _params(obj)
            if params is None:
                return None
            keys |= params
        return keys | {'type'}
    if len(path) == 1 and path[0].endswith('_dataloader'):
        return (_params(DataLoader) or set()) | _LOADER_EXTRAS
    if len(path) == 1 and path[0] in _RUNNER_DICTS:
        return _RUNNER_DICTS[path[0]]
    return set()


def _fail(option: str,
          source: str,
          msg: str,
          missing: str = '',
          choices: Iterable = ()):
    choices = list(dict.fromkeys(str(c) for c in choices))
    close = difflib.get_close_matches(missing, choices, n=3, cutoff=0.6)
    hint = f' Did you mean {" or ".join(close)}?' if close else ''
    raise UnknownConfigKeyError(
        f'--cfg-options {option}: {msg} in {source}.{hint} Expected a key '
        'the config has, or an argument of the type that owns it; put new '
        'keys into a config file.')


def check_cfg_options(cfg: Config, options: dict, source: str) -> None:
    """Raise :class:`UnknownConfigKeyError` for an override that names a
    key ``cfg`` does not have (see the module doc for what may be new).

    Args:
        cfg (Config): The config before the overrides are merged.
        options (dict): ``{dotted key: value}`` as from ``--cfg-options``.
        source (str): The config file, for messages.
    """
    scope = cfg.get('default_scope') or 'lgd_mm'
    tree = cfg.to_dict()
    for option in options:
        parts = option.split('.')
        node: Any = tree
        for depth, part in enumerate(parts):
            where = '.'.join(parts[:depth]) or 'the top level'
            last = depth == len(parts) - 1
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    _fail(
                        option, source,
                        f'{where} is a list of {len(node)} entries, '
                        f'"{part}" is not an index of it')
                node = node[int(part)]
                continue
            if not isinstance(node, dict):
                _fail(option, source,
                      f'{where} is {node!r}, not a dict with "{part}"')
            if part in node:
                node = node[part]
                continue
            if last:
                accepted = _accepted(node, parts[:depth], scope)
                if accepted is None or part in accepted or part in (
                        '_delete_', '_scope_'):  # mmengine's own keys
                    break
                _fail(
                    option, source, f'{where} has no key "{part}" and '
                    f'{_owner(node, parts[:depth])} takes no such '
                    'argument', part,
                    list(node) + sorted(accepted))
            _fail(option, source, f'{where} has no key "{part}"', part,
                  list(node))


def _owner(node: dict, path: Sequence[str]) -> str:
    if 'type' in node:
        return f'type {node["type"]!r}'
    return 'the Runner' if not path else f'"{".".join(path)}"'
