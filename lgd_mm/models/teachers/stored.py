"""A teacher whose embeddings come from a teacher store."""
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

from lgd_mm.registry import MODELS
from .frozen import FrozenTeacher


@MODELS.register_module()
class StoredTeacher(FrozenTeacher):
    """Stands in for a frozen teacher by reading its stored embeddings.

    ``tools/cache_teacher.py`` runs the teacher once over ``K`` views of
    every training image; :class:`~lgd_mm.datasets.ReplayViewDataset`
    replays those views and attaches their embeddings to the data samples,
    and this module hands them to the distiller, so training runs without
    the image tower.

    The online teacher (``teacher``) is built once at start-up: to check
    that the store was made with these weights (a sha256 of the image
    tower) and to fill the Textual Semantics Bank from its text tower
    (cached as usual). It is released after that and never runs an image.
    Zero-shot validation therefore reports no teacher column.

    Args:
        store (str): Teacher store folder.
        teacher (dict | nn.Module): The teacher the store was made with:
            its config, e.g. ``dict(type='CLIPTeacher', model_name=...,
            pretrained=...)``, or the built module.
        init_cfg (dict, optional): Unused.

    Raises:
        TeacherStoreError: if the store is incomplete or was made with
            another teacher.
    """
    #: The distiller passes its data samples instead of running images.
    reads_store = True

    def __init__(self,
                 store: str,
                 teacher: dict,
                 init_cfg: Optional[dict] = None):
        # imported here: lgd_mm.datasets imports this package (BINGO's
        # pre-pass fingerprints teachers)
        from lgd_mm.datasets.teacher_store import TeacherStore, teacher_part
        super().__init__(init_cfg=init_cfg)
        self.store = TeacherStore(store)
        source = MODELS.build(teacher) if isinstance(teacher,
                                                     dict) else teacher
        self.store.check('teacher', teacher_part(source))
        self.model_name = getattr(source, 'model_name', type(source).__name__)
        self.pretrained = getattr(source, 'pretrained', None)
        self.embed_dim = self.store.embed_dim
        self.has_text_tower = getattr(source, 'has_text_tower', False)
        object.__setattr__(self, '_source', source)

    def fingerprint(self) -> str:
        """The online teacher's weight fingerprint, as the store records
        it (so caches keyed by the teacher, e.g. BINGO's bags, match)."""
        return str(self.store.manifest['key']['teacher']['weights'])

    def check_inputs(self, expected: dict) -> None:
        """Refuse the store if the run normalises images differently."""
        self.store.check('inputs', expected)

    @torch.no_grad()
    def build_text_bank(self, text_bank, drop_text_tower: bool = True):
        """Fill ``text_bank`` with the online teacher's text tower, then
        release the online teacher."""
        if self._source is None:
            raise RuntimeError('StoredTeacher: the online teacher was '
                               'already released; build the text bank '
                               'before training')
        self._source.build_text_bank(text_bank)
        self.release()

    def release(self) -> None:
        """Free the online teacher (weights and towers)."""
        object.__setattr__(self, '_source', None)
        self.has_text_tower = False

    @torch.no_grad()
    def forward(self,
                images: torch.Tensor,
                data_samples: Optional[List] = None,
                view: int = 0) -> torch.Tensor:
        """The stored, L2-normalised fp32 embeddings (B, D) of ``images``.

        Args:
            images (torch.Tensor): The batch (its size and device are
                checked / used).
            data_samples (list): The batch's data samples, each with a
                ``teacher_embedding`` (V, D) from ``ReplayViewDataset``.
            view (int): Which of the item's views. Defaults to 0.
        """
        if self._source is not None:
            self.release()
        if not data_samples or not all('teacher_embedding' in ds
                                       for ds in data_samples):
            raise ValueError(
                'StoredTeacher reads the teacher embeddings from the data '
                'samples, but the batch has none: wrap train_dataloader.'
                f"dataset in dict(type='ReplayViewDataset', "
                f"store='{self.store.path}', dataset=...) with "
                "sampler=dict(type='ReplayViewSampler') (tools/train.py "
                '--teacher-store does both)')
        if len(data_samples) != images.size(0):
            raise ValueError(f'{len(data_samples)} data samples for a batch '
                             f'of {images.size(0)} images')
        z = torch.stack([ds.teacher_embedding[view] for ds in data_samples])
        return F.normalize(z.to(images.device, torch.float32), dim=-1)

    def extra_repr(self) -> str:
        return (f'store={self.store.path}, model_name={self.model_name}, '
                f'views={self.store.num_views}, '
                f'embed_dim={self.embed_dim}')
