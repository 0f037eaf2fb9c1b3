"""Write what a checkpoint was trained with into its ``meta``."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lgd_mm.registry import HOOKS
from lgd_mm.utils.load_check import compare_state
from lgd_mm.utils.meta import generic_model_meta
from lgd_mm.utils.protocol import plain, run_protocol


@HOOKS.register_module()
class CheckpointMetaHook(Hook):
    """Store ``model.checkpoint_meta()`` as ``checkpoint['meta']['lgd_mm']``.

    Models without that method (e.g. an mmpretrain ``ImageClassifier``
    trained as a supervised reference row) get their class, backbone and
    normalisation (:func:`~lgd_mm.utils.meta.generic_model_meta`).

    ``protocol`` records the run's seed, its ``--cfg-options`` and how they
    shortened it (``cfg.run_protocol``, :mod:`lgd_mm.utils.protocol`).

    Downstream tools read it to check that a transfer run uses the
    pre-training normalisation and to label leaderboard rows (algorithm,
    teacher, student, vocabulary). Values are primitives, so the meta stays
    loadable with ``weights_only=True``.
    """
    priority = 'VERY_LOW'
    #: Entries that must agree between a checkpoint and the run resuming it.
    resume_keys = ('algorithm', 'student', 'teacher')

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(
            runner.model) else runner.model

    @staticmethod
    def _meta(model) -> dict:
        return model.checkpoint_meta() if hasattr(
            model, 'checkpoint_meta') else generic_model_meta(model)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = self._meta(self._model(runner))
        # the seed, the --cfg-options and whether they (or --smoke)
        # shortened the run: records and leaderboards read it
        protocol = plain(runner.cfg.get('run_protocol') or run_protocol({}))
        protocol['seed'] = runner.seed
        meta['protocol'] = protocol
        checkpoint.setdefault('meta', {})['lgd_mm'] = meta

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Refuse to resume under another method, student, teacher or
        vocabulary, before any state is loaded into the model.

        ``load_from`` (weights only, e.g. fine-tuning) is not checked.
        """
        # mmengine keeps no public flag: `_resume` tells a resume from a
        # `load_from`.
        if not getattr(runner, '_resume', False):
            return
        model = self._model(runner)
        saved = checkpoint.get('meta', {}).get('lgd_mm') or {}
        current = self._meta(model)
        problems = [
            f'{key} {saved[key]!r} in the checkpoint vs {current[key]!r} in '
            'this config' for key in self.resume_keys
            if key in saved and key in current and saved[key] != current[key]
        ]
        if 'vocab_hash' in saved and saved.get('vocab_hash') != current.get(
                'vocab_hash'):
            problems.append(f'vocabulary {saved.get("vocab")!r} '
                            f'({saved.get("num_classes")} classes) vs '
                            f'{current.get("vocab")!r} '
                            f'({current.get("num_classes")} classes)')
        report = compare_state(
            model,
            checkpoint.get('state_dict', {}),
            name='model',
            checkpoint='the checkpoint',
            compare_values=False)
        # tables still empty in the model (bags) take the checkpoint's shape
        report.mismatched = [m for m in report.mismatched if all(m[2])]
        if report.missing or report.mismatched or report.unexpected:
            problems.append(report.details())
        if problems:
            raise ValueError(
                'Cannot resume: the checkpoint (experiment '
                f'{checkpoint.get("meta", {}).get("experiment_name")!r}) '
                'does not belong to this config: ' + '; '.join(problems) +
                '. Resume with the config it was trained with, or start a '
                'new run from its weights with load_from.')
