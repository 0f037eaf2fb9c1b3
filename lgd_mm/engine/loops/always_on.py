"""The hooks every lgd_mm training run has, whatever its config lists."""
from typing import Iterable, List

from lgd_mm.registry import HOOKS

#: Hooks a training run always has, by registered type name; a config that
#: lists one (e.g. ``NonFiniteGuardHook(action='skip')``) keeps its own.
ALWAYS_ON_HOOKS = (
    dict(type='CheckpointMetaHook'),
    dict(type='ExactResumeHook'),
    dict(type='NonFiniteGuardHook'),
    dict(type='DataCheckHook'),
)

__all__ = ['ALWAYS_ON_HOOKS', 'missing_always_on_hooks']


def _has(hooks: List, name: str) -> bool:
    cls = HOOKS.get(name)
    for hook in hooks:
        if isinstance(hook, dict):
            kind = hook.get('type')
            if isinstance(kind, str) and kind.split('.')[-1] == name:
                return True
            if isinstance(kind, type) and issubclass(kind, cls):
                return True
        elif isinstance(hook, cls):
            return True
    return False


def missing_always_on_hooks(hooks: Iterable) -> List[dict]:
    """Configs of the always-on hooks that ``hooks`` lacks, matched by type
    (not by list position).

    Args:
        hooks (Iterable): Hook instances (``runner.hooks``; subclasses
            count) or hook configs (``cfg.custom_hooks``).

    Returns:
        List[dict]: Copies of the missing :data:`ALWAYS_ON_HOOKS` entries.
    """
    hooks = list(hooks)
    return [dict(h) for h in ALWAYS_ON_HOOKS if not _has(hooks, h['type'])]
