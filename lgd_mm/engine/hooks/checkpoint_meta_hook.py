"""Write what a checkpoint was trained with into its ``meta``."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lgd_mm.registry import HOOKS


@HOOKS.register_module()
class CheckpointMetaHook(Hook):
    """Store ``model.checkpoint_meta()`` as ``checkpoint['meta']['lgd_mm']``.

    Downstream tools read it to check that a transfer run uses the
    pre-training normalisation and to label leaderboard rows (algorithm,
    teacher, student, vocabulary). Values are primitives, so the meta stays
    loadable with ``weights_only=True``.
    """
    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if hasattr(model, 'checkpoint_meta'):
            checkpoint.setdefault('meta', {})['lgd_mm'] = \
                model.checkpoint_meta()
