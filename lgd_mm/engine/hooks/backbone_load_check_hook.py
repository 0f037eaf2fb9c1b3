"""Fail transfer runs whose backbone did not get its pretrained weights."""
import logging
from typing import Dict, Optional, Sequence, Tuple, Union

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from lgd_mm.registry import HOOKS
from lgd_mm.utils.load_check import (BackboneLoadError, check_loaded,
                                     check_normalization, find_zoo_weights,
                                     pretrained_source, read_checkpoint)


@HOOKS.register_module()
class BackboneLoadCheckHook(Hook):
    """Check that pretrained weights really reached the backbone.

    Stock mmengine loads ``init_cfg=Pretrained`` and ``load_from``
    non-strictly and only warns about missing keys. This hook turns that
    into a failure (benchmarks.md §1), in three steps:

    * ``before_run``: no model-zoo URL (``torchvision://``,
      ``open-mmlab://``...) may remain in ``cfg.model``; the checkpoint's
      keys and shapes under the prefix must cover ``min_ratio`` of each
      checked module (so a wrong prefix or another architecture's file
      fails before anything trains), and its recorded mean/std must equal
      the data preprocessor's.
    * ``before_train`` (after ``init_weights`` and ``load_from``) or, for
      ``Runner.val()`` / ``Runner.test()``, ``before_val`` /
      ``before_test``: the module must now *hold* the checkpoint's values,
      which proves that loading happened (``Runner.test()`` never runs
      ``init_weights``, so a test config relying on ``init_cfg`` alone
      would evaluate a random backbone).

    Weights come from ``load_from`` when set (keys as in the whole model),
    else from the module's ``Pretrained`` ``init_cfg``. Resumed runs are
    not checked.

    Use it from stock mmdet/mmseg configs with::

        custom_imports = dict(imports=['lgd_mm.engine'],
                              allow_failed_imports=False)
        custom_hooks = [dict(type='lgd_mm.BackboneLoadCheckHook')]

    Args:
        modules (Sequence[str]): Model attributes to check. Defaults to
            ``('backbone', )``; zero-shot adds ``'neck'`` (the projector).
        min_ratio (float): Minimum fraction of tensors that must load.
            Defaults to 0.99.
        check_normalization (bool): Compare the checkpoint's recorded
            mean/std with the data preprocessor. Defaults to True.
        allow_random_init (bool): Pass when no pretrained weights are
            configured (from-scratch baselines). Defaults to False.
    """
    priority = 'VERY_HIGH'

    def __init__(self,
                 modules: Union[str, Sequence[str]] = ('backbone', ),
                 min_ratio: float = 0.99,
                 check_normalization: bool = True,
                 allow_random_init: bool = False):
        self.modules = (modules, ) if isinstance(modules,
                                                 str) else tuple(modules)
        if not 0 < min_ratio <= 1:
            raise ValueError(f'min_ratio must be in (0, 1], got {min_ratio}')
        self.min_ratio = min_ratio
        self.check_norm = check_normalization
        self.allow_random_init = allow_random_init
        self._cache: Dict[str, tuple] = {}
        self._verified = False

    # -- where the weights come from --------------------------------------
    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    @staticmethod
    def _resumed(runner) -> bool:
        return bool(runner.cfg.get('resume', False))

    @staticmethod
    def _load_from(runner) -> Optional[str]:
        return runner.cfg.get('load_from') or getattr(runner, '_load_from',
                                                      None)

    def _source(self, runner, name: str) -> Optional[Tuple[str, str]]:
        """``(checkpoint, prefix)`` the module's weights should come from."""
        load_from = self._load_from(runner)
        if load_from:
            return load_from, f'{name}.'
        src = pretrained_source(getattr(self._model(runner), name))
        if src is None or not src[0]:
            if self.allow_random_init:
                return None
            raise BackboneLoadError(
                f'model.{name} has no pretrained weights: set '
                f'model.{name}.init_cfg=dict(type="Pretrained", '
                f'checkpoint=PATH, prefix="{name}.") (or load_from) - '
                'tools/benchmark.py sets it from its checkpoint. Pass '
                'allow_random_init=True to the hook for from-scratch runs.')
        return src

    def _read(self, path: str):
        if path not in self._cache:
            self._cache[path] = read_checkpoint(path)
        return self._cache[path]

    # -- the checks -------------------------------------------------------
    def _check(self, runner, compare_values: bool) -> None:
        if self._resumed(runner):
            print_log(
                'BackboneLoadCheckHook: resumed run, not checked',
                logger='current')
            return
        model = self._model(runner)
        for name in self.modules:
            src = self._source(runner, name)
            if src is None:
                print_log(
                    f'BackboneLoadCheckHook: model.{name} is '
                    'randomly initialised (allow_random_init)',
                    logger='current',
                    level=logging.WARNING)
                continue
            path, prefix = src
            state, meta = self._read(path)
            report = check_loaded(
                getattr(model, name), state, prefix, name, path,
                self.min_ratio, compare_values)
            if self.check_norm and not compare_values:
                note = check_normalization(
                    meta, getattr(model, 'data_preprocessor', None), path)
                if note:
                    print_log(
                        f'BackboneLoadCheckHook: {note}', logger='current')
            stage = 'loaded' if compare_values else 'loadable'
            print_log(
                f'BackboneLoadCheckHook ({stage}): {report.summary()}' +
                (f'\n  unexpected keys (ignored): '
                 f'{report.unexpected[:20]}' if report.unexpected else ''),
                logger='current')

    def before_run(self, runner) -> None:
        zoo = find_zoo_weights(runner.cfg.get('model', {}))
        if zoo:
            raise BackboneLoadError(
                'model-zoo weights are still configured, so the run would '
                'start from ImageNet weights instead of the distilled ones: ' +
                ', '.join(f'{k}={v}' for k, v in zoo) +
                '. Override them (e.g. model.pretrained=None, '
                'model.backbone.init_cfg.checkpoint=PATH).')
        self._check(runner, compare_values=False)

    def before_train(self, runner) -> None:
        self._check(runner, compare_values=True)
        self._verified = True

    def _before_eval(self, runner) -> None:
        # inside training the weights were verified in before_train
        if not self._verified:
            self._check(runner, compare_values=True)
            self._verified = True

    def before_val(self, runner) -> None:
        self._before_eval(runner)

    def before_test(self, runner) -> None:
        self._before_eval(runner)
