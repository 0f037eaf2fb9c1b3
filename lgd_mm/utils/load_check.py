"""Hard checks that a downstream backbone really got its pretrained weights.

mmengine's ``Pretrained`` initialiser and ``load_from`` load non-strictly:
missing, renamed or reshaped keys only log a warning, and the run goes on
with random layers and numbers that look plausible (benchmarks.md §1). The
functions here compare a module with the checkpoint it should
hold and raise :class:`BackboneLoadError`, listing the offending keys, when

* fewer than ``min_ratio`` of the module's tensors are loaded (missing keys,
  shape mismatches, or keys present but never applied),
* the normalisation recorded in the checkpoint (``meta['lgd_mm']`` of a
  pre-training checkpoint, or ``meta`` of an extracted backbone) differs
  from the downstream data preprocessor,
* a model-zoo default (``torchvision://``, ``open-mmlab://``, ...) is still
  configured as pretrained weights.

:class:`~lgd_mm.engine.hooks.BackboneLoadCheckHook` runs them inside any
Runner (ours or stock mmdet/mmseg ``tools/train.py``).
"""
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

__all__ = [
    'BackboneLoadError', 'LoadReport', 'ZOO_SCHEMES', 'read_checkpoint',
    'select_prefix', 'compare_state', 'checkpoint_normalization',
    'check_normalization', 'find_zoo_weights', 'pretrained_source',
    'check_loaded', 'check_module_loaded'
]

#: Weight URLs of the stock model zoos; configs that still hold one would
#: download ImageNet weights instead of the distilled ones.
ZOO_SCHEMES = ('torchvision://', 'open-mmlab://', 'openmmlab://', 'mmcls://',
               'modelzoo://')
# BN counters carry no learned state and are absent from some exports.
_IGNORED_SUFFIXES = ('num_batches_tracked', )
_MAX_LISTED = 20


class BackboneLoadError(RuntimeError):
    """Pretrained weights did not reach the downstream module."""


def _short(keys: Sequence, limit: int = _MAX_LISTED) -> str:
    keys = list(keys)
    shown = ', '.join(str(k) for k in keys[:limit])
    more = f', ... (+{len(keys) - limit} more)' if len(keys) > limit else ''
    return f'[{shown}{more}]'


@dataclass
class LoadReport:
    """How much of a module's state a checkpoint provides.

    Args:
        module (str): Module name in the model, e.g. ``'backbone'``.
        checkpoint (str): Where the weights come from.
        expected (List[str]): Tensor names of the module (without
            ``num_batches_tracked``).
        loaded (List[str]): Names present in the checkpoint with the same
            shape (and, when values were compared, the same values).
        missing (List[str]): Names absent from the checkpoint.
        mismatched (List[tuple]): ``(name, checkpoint shape, module shape)``.
        not_applied (List[str]): Names present with the right shape whose
            values the module does not hold, i.e. loading never happened.
        unexpected (List[str]): Checkpoint names the module does not have.
        hint (str): Extra diagnosis (e.g. the prefixes the file holds).
    """
    module: str
    checkpoint: str
    expected: List[str]
    loaded: List[str]
    missing: List[str] = field(default_factory=list)
    mismatched: List[Tuple] = field(default_factory=list)
    not_applied: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    hint: str = ''

    @property
    def ratio(self) -> float:
        """Fraction of expected tensors that were loaded."""
        return len(self.loaded) / max(len(self.expected), 1)

    def summary(self) -> str:
        """One line: loaded/expected and the counts of each problem."""
        return (f'{self.module}: {len(self.loaded)}/{len(self.expected)} '
                f'tensors ({100 * self.ratio:.1f}%) loaded from '
                f'{self.checkpoint}; missing {len(self.missing)}, shape '
                f'mismatch {len(self.mismatched)}, not applied '
                f'{len(self.not_applied)}, unexpected {len(self.unexpected)}')

    def details(self) -> str:
        """The summary plus the offending key lists."""
        lines = [self.summary()]
        if self.missing:
            lines.append(f'  missing keys: {_short(self.missing)}')
        if self.mismatched:
            shapes = [
                f'{k} ckpt {tuple(a)} vs model {tuple(b)}'
                for k, a, b in self.mismatched
            ]
            lines.append(f'  shape mismatches: {_short(shapes)}')
        if self.not_applied:
            lines.append('  in the checkpoint but not loaded into the model '
                         f'(was init_weights/load_from run?): '
                         f'{_short(self.not_applied)}')
        if self.unexpected:
            lines.append(f'  unexpected keys: {_short(self.unexpected)}')
        if self.hint:
            lines.append(f'  {self.hint}')
        return '\n'.join(lines)

    def check(self, min_ratio: float = 0.99) -> 'LoadReport':
        """Raise :class:`BackboneLoadError` below ``min_ratio``."""
        if self.ratio < min_ratio:
            advice = ('\nCheck the checkpoint path and prefix, and that the '
                      'downstream backbone type/arch/out_indices match the '
                      'pre-training config (tools/extract_backbone.py '
                      'converts torchvision and official-LGD layouts).')
            if self.module == 'neck' and self.ratio == 0:
                # a backbone-only export: zero-shot needs the projector
                advice = ('\nThe file holds no projector (neck.*), which '
                          'zero-shot evaluation needs: export the '
                          'pre-training checkpoint with `python '
                          'tools/extract_backbone.py CKPT OUT --keep-head`, '
                          'or give tools/benchmark.py the pre-training '
                          'checkpoint itself.')
            raise BackboneLoadError(
                f'Only {100 * self.ratio:.1f}% of the {self.module} '
                f'tensors were loaded (need {100 * min_ratio:.0f}%); the '
                'rest would stay randomly initialised.\n' + self.details() +
                advice)
        return self


def read_checkpoint(
        path: str,
        trusted: bool = False) -> Tuple[Dict[str, torch.Tensor], dict]:
    """Load a checkpoint on CPU through mmengine's (safe) loader.

    Args:
        path (str): Local path or any URL mmengine understands.
        trusted (bool): Unpickle everything (a local file you trust, e.g. a
            third-party checkpoint that pickles its argparse options); see
            :func:`lgd_mm.utils.load_trusted_checkpoint`.

    Returns:
        tuple: ``(state_dict, meta)``; ``state_dict`` is the ``state_dict``
        entry when present (mmengine and extracted files), else the file's
        top-level tensors (plain torchvision-style files).
    """
    if trusted:
        from .checkpoint import load_trusted_checkpoint
        ckpt = load_trusted_checkpoint(path, map_location='cpu')
    else:
        from mmengine.runner.checkpoint import CheckpointLoader
        ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    if not isinstance(ckpt, dict):
        raise BackboneLoadError(f'{path} does not hold a dict of tensors')
    meta = ckpt.get('meta') or {}
    state = ckpt.get('state_dict', ckpt)
    state = OrderedDict((k, v) for k, v in state.items() if torch.is_tensor(v))
    return state, meta if isinstance(meta, dict) else {}


def select_prefix(state: Dict[str, torch.Tensor],
                  prefix: Optional[str]) -> Dict[str, torch.Tensor]:
    """Keys starting with ``prefix``, with the prefix stripped."""
    if not prefix:
        return OrderedDict(state)
    if not prefix.endswith('.'):
        prefix += '.'
    return OrderedDict(
        (k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))


def _top_prefixes(keys) -> List[str]:
    return sorted({k.split('.', 1)[0] + '.' for k in keys})


def _ignored(key: str) -> bool:
    return key.endswith(_IGNORED_SUFFIXES)


def compare_state(module: nn.Module,
                  ckpt_state: Dict[str, torch.Tensor],
                  name: str = 'backbone',
                  checkpoint: str = '?',
                  compare_values: bool = True) -> LoadReport:
    """Compare ``module.state_dict()`` with (prefix-stripped) weights.

    Args:
        module (nn.Module): The downstream module, e.g. ``model.backbone``.
        ckpt_state (dict): Checkpoint tensors keyed like the module's.
        name (str): Module name for messages.
        checkpoint (str): Checkpoint description for messages.
        compare_values (bool): Also require equal values, i.e. check that
            the weights were actually loaded, not only loadable. Use it
            after ``init_weights`` / ``load_from``.

    Returns:
        LoadReport: The comparison; call :meth:`LoadReport.check` to fail.
    """
    own = OrderedDict(
        (k, v) for k, v in module.state_dict().items() if not _ignored(k))
    report = LoadReport(
        module=name, checkpoint=checkpoint, expected=list(own), loaded=[])
    for key, value in own.items():
        src = ckpt_state.get(key)
        if src is None:
            report.missing.append(key)
        elif tuple(src.shape) != tuple(value.shape):
            report.mismatched.append(
                (key, tuple(src.shape), tuple(value.shape)))
        elif compare_values and not torch.equal(
                src.to(dtype=value.dtype),
                value.detach().cpu()):
            report.not_applied.append(key)
        else:
            report.loaded.append(key)
    report.unexpected = [
        k for k in ckpt_state if k not in own and not _ignored(k)
    ]
    if not ckpt_state:
        report.hint = 'the checkpoint has no keys under this prefix'
    return report


def checkpoint_normalization(meta: dict) -> Optional[Dict[str, list]]:
    """``{'mean', 'std'}`` recorded in a checkpoint's meta, or None.

    Reads ``meta['lgd_mm']`` (pre-training checkpoints, see
    :class:`~lgd_mm.engine.hooks.CheckpointMetaHook`) or ``meta`` itself
    (files written by ``tools/extract_backbone.py``).
    """
    if not isinstance(meta, dict):
        return None
    info = meta.get('lgd_mm') if isinstance(meta.get('lgd_mm'), dict) else meta
    if info.get('mean') is None or info.get('std') is None:
        return None
    return dict(
        mean=[float(v) for v in info['mean']],
        std=[float(v) for v in info['std']])


def check_normalization(meta: dict,
                        data_preprocessor: Optional[nn.Module],
                        checkpoint: str = '?',
                        atol: float = 1e-2) -> Optional[str]:
    """Fail when the preprocessor does not normalise like pre-training.

    Args:
        meta (dict): Checkpoint meta (see :func:`checkpoint_normalization`).
        data_preprocessor (nn.Module, optional): The downstream model's
            data preprocessor (mmdet/mmseg/mmpretrain all keep ``mean`` and
            ``std`` buffers).
        checkpoint (str): For messages.
        atol (float): Tolerance in pixel units (0-255).

    Returns:
        str | None: A note when nothing could be compared, else None.

    Raises:
        BackboneLoadError: On a mismatch.
    """
    recorded = checkpoint_normalization(meta)
    if recorded is None:
        return f'{checkpoint} records no normalisation; not compared'
    if data_preprocessor is None or not getattr(data_preprocessor,
                                                '_enable_normalize', False):
        raise BackboneLoadError(
            f'{checkpoint} was pre-trained with mean={recorded["mean"]} '
            f'std={recorded["std"]}, but the downstream data_preprocessor '
            'does not normalise at all')
    got = dict(
        mean=data_preprocessor.mean.flatten().cpu().tolist(),
        std=data_preprocessor.std.flatten().cpu().tolist())
    for key in ('mean', 'std'):
        a, b = torch.tensor(recorded[key]), torch.tensor(got[key])
        if a.shape != b.shape or not torch.allclose(a, b, atol=atol):
            raise BackboneLoadError(
                f'normalisation mismatch: {checkpoint} was pre-trained with '
                f'{key}={recorded[key]}, the downstream data_preprocessor '
                f'uses {key}={[round(v, 3) for v in got[key]]}. Set '
                'model.data_preprocessor.mean/std to the pre-training '
                'values (CLIP for lgd_mm checkpoints).')
    return None


def find_zoo_weights(cfg: Any, path: str = 'model') -> List[Tuple[str, str]]:
    """``(key path, url)`` of every model-zoo URL in a config subtree."""
    found = []
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            found += find_zoo_weights(value, f'{path}.{key}')
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            found += find_zoo_weights(value, f'{path}.{i}')
    elif isinstance(cfg, str) and cfg.startswith(ZOO_SCHEMES):
        found.append((path, cfg))
    return found


def pretrained_source(module: nn.Module) -> Optional[Tuple[str, str]]:
    """``(checkpoint, prefix)`` of a module's ``Pretrained`` init_cfg."""
    init_cfg = getattr(module, 'init_cfg', None)
    cfgs = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]
    for cfg in cfgs:
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            return cfg.get('checkpoint'), cfg.get('prefix')
    return None


def check_loaded(module: nn.Module,
                 state: Dict[str, torch.Tensor],
                 prefix: Optional[str],
                 name: str = 'backbone',
                 checkpoint: str = '?',
                 min_ratio: float = 0.99,
                 compare_values: bool = True) -> LoadReport:
    """:func:`compare_state` of ``module`` with the ``prefix`` part of a
    checkpoint's ``state``; raises below ``min_ratio``.

    Returns:
        LoadReport: The passing report.
    """
    sub = select_prefix(state, prefix)
    report = compare_state(module, sub, name, checkpoint, compare_values)
    if not sub:
        report.hint = (f'no key starts with {prefix!r}; the file holds '
                       f'{_top_prefixes(state)}')
    return report.check(min_ratio)


def check_module_loaded(model: nn.Module,
                        checkpoint: str,
                        prefix: Optional[str] = 'backbone.',
                        module: str = 'backbone',
                        min_ratio: float = 0.99,
                        compare_values: bool = True,
                        check_norm: bool = True) -> LoadReport:
    """Check one module of ``model`` against a checkpoint file.

    The one-call form for scripts and tests; the hook does the same inside
    a Runner.

    Args:
        model (nn.Module): The downstream model (detector, segmentor,
            classifier).
        checkpoint (str): Path of the pretrained file.
        prefix (str, optional): Key prefix of the module in the file
            (``'backbone.'`` for distillation and extracted files).
        module (str): Attribute of ``model`` to check.
        min_ratio (float): Minimum loaded fraction. Defaults to 0.99.
        compare_values (bool): Require equal values (after loading).
        check_norm (bool): Compare the recorded normalisation with
            ``model.data_preprocessor``.

    Returns:
        LoadReport: The passing report.
    """
    state, meta = read_checkpoint(checkpoint)
    report = check_loaded(
        getattr(model, module), state, prefix, module, checkpoint, min_ratio,
        compare_values)
    if check_norm:
        check_normalization(meta, getattr(model, 'data_preprocessor', None),
                            checkpoint)
    return report
