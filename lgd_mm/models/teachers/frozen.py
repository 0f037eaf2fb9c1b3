"""Base of lgd_mm teachers: a frozen model kept out of the module tree."""
from mmengine.model import BaseModule
from torch import nn


class FrozenTeacher(BaseModule):
    """Holds frozen models outside ``_modules`` on purpose.

    A held model has no parameters or buffers as far as ``state_dict``, the
    optimizer, DDP or ``init_weights`` are concerned, so checkpoints hold only
    the student, heads and banks and the teacher's weights are never
    re-initialised. Device and dtype moves (``.to()``, ``.cuda()``) still
    reach it through :meth:`_apply`, and it stays in eval mode whatever
    ``train()`` is called with (the runner calls ``model.train()`` every
    epoch).
    """

    def hold(self, name: str, model: nn.Module) -> nn.Module:
        """Freeze ``model`` and keep it as ``self.<name>``, unregistered."""
        model.requires_grad_(False)
        model.eval()
        object.__setattr__(self, name, model)
        names = getattr(self, '_held_names', ())
        object.__setattr__(self, '_held_names', names + (name, ))
        return model

    def _held(self):
        return [getattr(self, n) for n in getattr(self, '_held_names', ())]

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        for model in self._held():
            model._apply(fn)
        return self

    def train(self, mode: bool = True):
        """The teacher always stays in eval mode (BN stats, dropout)."""
        super().train(False)
        for model in self._held():
            model.eval()
        return self
