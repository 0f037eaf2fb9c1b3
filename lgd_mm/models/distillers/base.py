"""What every distiller in lgd_mm shares."""
import logging
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.dist import all_gather, get_world_size
from mmengine.logging import print_log
from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.structures import DataSample

from lgd_mm.registry import MODELS
from lgd_mm.utils.meta import normalization_meta
from ..heads.similarity import bank_logits, zero_shot_labels

#: Keys of the former ``ProjectionNeck`` -> mmpretrain ``MoCoV2Neck``.
LEGACY_NECK_KEYS = {'neck.fc0.': 'neck.mlp.0.', 'neck.fc1.': 'neck.mlp.2.'}


def rename_legacy_neck_keys(state_dict: dict, prefix: str = '') -> List[str]:
    """Rename ``<prefix>neck.fc0.*`` / ``neck.fc1.*`` (the former
    ``ProjectionNeck``) to ``neck.mlp.0.*`` / ``neck.mlp.2.*`` in place.

    Same layers, same shapes: only the names changed.

    Args:
        state_dict (dict): A model state dict, modified in place.
        prefix (str): Prefix of the distiller's keys. Defaults to ''.

    Returns:
        List[str]: The renamed (old) keys.
    """
    renamed = []
    for key in list(state_dict):
        for old, new in LEGACY_NECK_KEYS.items():
            if key.startswith(prefix + old):
                new_key = prefix + new + key[len(prefix + old):]
                state_dict[new_key] = state_dict.pop(key)
                renamed.append(key)
    return renamed


def _legacy_neck_pre_hook(module, state_dict, prefix, *args) -> None:
    # the one place old checkpoints are remapped: resume, load_from and
    # load_state_dict all pass through here
    renamed = rename_legacy_neck_keys(state_dict, prefix)
    if renamed:
        print_log(
            f'{type(module).__name__}: renamed {len(renamed)} projector keys '
            'of the former ProjectionNeck (neck.fc0/fc1 -> '
            'neck.mlp.0/mlp.2, MoCoV2Neck)',
            logger='current',
            level=logging.WARNING)


class BaseDistiller(BaseSelfSupervisor):
    """Student (backbone + projection neck) distilled from a frozen teacher.

    Owns the parts all methods have in common, so that a method file holds
    only its logits, banks and losses:

    * a frozen teacher (:class:`~lgd_mm.models.CLIPTeacher`,
      :class:`~lgd_mm.models.MMPretrainTeacher` or any module returning
      normalised (B, D) embeddings), eval-locked and kept out of checkpoints
      by the teacher itself;
    * the student projection and its L2-normalised embedding ``z_S``;
    * the views of a batch: one view shared by student and teacher (LGD §2)
      unless a method sets :attr:`num_views`;
    * cross-rank gathering of teacher keys for bank/queue updates;
    * ``teacher_loss_weight``, the weight of the distillation losses against
      the student's own (DWT, lgd_method.md §7), which
      :class:`~lgd_mm.engine.LossWeightScheduleHook` can schedule;
    * optional zero-shot prediction over a Textual Semantics Bank, so every
      method with a CLIP teacher reports the same zero-shot metric as LGD.

    Args:
        backbone (dict): Student backbone, a stock mmpretrain backbone so
            its checkpoint plugs into mmdet/mmseg unchanged.
        neck (dict): Projection neck, mmpretrain's ``MoCoV2Neck`` (GAP ->
            Linear -> ReLU -> Linear, lgd_method.md §1.5). Checkpoints of
            the former ``ProjectionNeck`` (``neck.fc0`` / ``neck.fc1``)
            load with their keys renamed (:func:`rename_legacy_neck_keys`).
        head (dict): Method head computing the losses.
        teacher (dict): Teacher config, e.g. ``dict(type='CLIPTeacher')``.
        text_bank (dict, optional): ``TextualSemanticsBank`` built from the
            teacher's text tower for zero-shot evaluation (``predict``); it
            takes no part in the baselines' training (LGD also trains
            against it). Needs a CLIP teacher. Defaults to None.
        teacher_loss_weight (float): Initial weight of the distillation
            losses (every ``loss*`` key outside :attr:`student_loss_keys`).
            Defaults to 1.0.
        channels_last (bool): Keep the student backbone's weights and its
            inputs in channels-last memory format (faster convolutions with
            cuDNN and oneDNN; docs/performance.md). The teacher has its own
            switch. Defaults to False.
        data_preprocessor (dict, optional): Defaults to
            ``SelfSupDataPreprocessor``; set the CLIP mean/std in configs.
        init_cfg (dict, optional): Initialisation config of the student.
    """
    #: Views per image a method consumes; see :meth:`views`.
    num_views: int = 1
    #: Loss keys of the student's own objective, which
    #: ``teacher_loss_weight`` leaves alone (e.g. DisCo's contrastive term).
    student_loss_keys: tuple = ()
    #: Whether the method trains from a teacher store (``StoredTeacher``):
    #: its teacher embeds only replayed views of each item (never, e.g.,
    #: another image).
    supports_store: bool = True

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 teacher: dict,
                 text_bank: Optional[dict] = None,
                 teacher_loss_weight: float = 1.0,
                 channels_last: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.teacher = MODELS.build(teacher)
        if self.reads_store:
            if not self.supports_store:
                raise ValueError(
                    f'{type(self).__name__} cannot train from a teacher '
                    'store (StoredTeacher) yet; use the online teacher '
                    '(docs/teacher_store.md)')
            self.teacher.check_inputs(
                normalization_meta(self.data_preprocessor))
        self.teacher_loss_weight = float(teacher_loss_weight)
        if not isinstance(channels_last, bool):
            raise TypeError(f'channels_last must be a bool, got '
                            f'{channels_last!r}')
        self.channels_last = channels_last
        if channels_last:
            # before DDP wraps the model, so its buckets match the layout
            self.backbone.to(memory_format=torch.channels_last)
        self.register_load_state_dict_pre_hook(_legacy_neck_pre_hook)
        self.text_bank = None
        if text_bank is not None:
            self.text_bank = MODELS.build(text_bank)
            self.teacher.build_text_bank(self.text_bank)

    @staticmethod
    def single_view(inputs: Union[torch.Tensor, List[torch.Tensor]]):
        """The one view of a batch (pipelines may wrap it in a list)."""
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != 1:
                raise ValueError(
                    f'{len(inputs)} views given; this distiller uses one '
                    'view shared by teacher and student')
            inputs = inputs[0]
        return inputs

    def views(self, inputs: List[torch.Tensor]) -> List[torch.Tensor]:
        """The :attr:`num_views` views of a batch, e.g. from ``MultiView``.

        Raises:
            ValueError: if the pipeline produced another number of views.
        """
        if self.num_views == 1:
            return [self.single_view(inputs)]
        count = len(inputs) if isinstance(inputs, (list, tuple)) else 1
        if count != self.num_views:
            raise ValueError(
                f'{type(self).__name__} needs {self.num_views} views per '
                f'image, got {count}; check the train pipeline')
        return list(inputs)

    def student_project(self, images: torch.Tensor) -> torch.Tensor:
        """The student's projection before normalisation (B, D), fp32."""
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        return self.neck(self.backbone(images))[0].float()

    def student_embed(self, images: torch.Tensor) -> torch.Tensor:
        """L2-normalised student embeddings ``z_S`` (B, D)."""
        return F.normalize(self.student_project(images), dim=1)

    @property
    def reads_store(self) -> bool:
        """Whether the teacher reads a teacher store (``StoredTeacher``)."""
        return getattr(self.teacher, 'reads_store', False)

    @torch.no_grad()
    def teacher_embed(self,
                      images: torch.Tensor,
                      data_samples: Optional[List[DataSample]] = None,
                      view: int = 0) -> torch.Tensor:
        """L2-normalised fp32 teacher embeddings ``z_T`` (B, D).

        Args:
            images (torch.Tensor): The view the teacher embeds.
            data_samples (list, optional): The batch's data samples; a
                ``StoredTeacher`` reads the stored embeddings from them.
            view (int): Which of an item's replayed views ``images`` is.
                Defaults to 0.
        """
        if self.reads_store:
            return self.teacher(images, data_samples, view)
        return self.teacher(images)

    def queue_info_nce(self, query: torch.Tensor,
                       key: torch.Tensor) -> torch.Tensor:
        """InfoNCE of ``query`` with the positive ``key`` and the entries of
        ``self.queue`` as negatives, through ``self.head`` (a
        ``ContrastiveHead``: temperature and cross-entropy). Logits are fp32
        and the queue is snapshotted before its in-place update."""
        pos = (query.float() * key.float()).sum(dim=1, keepdim=True)
        neg = bank_logits(query, None, self.queue.bank, 1.0, False)
        return self.head.loss(pos, neg)

    @staticmethod
    @torch.no_grad()
    def gather(tensor: torch.Tensor) -> torch.Tensor:
        """Concatenate ``tensor`` from all ranks in rank order.

        Every rank gets the same result, so bank updates computed from it
        are identical everywhere without a broadcast.
        """
        if get_world_size() == 1:
            return tensor
        return torch.cat(all_gather(tensor.contiguous()), dim=0)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'loss':
            return self.weigh_losses(self.loss(inputs, data_samples))
        return super().forward(inputs, data_samples, mode)

    def weigh_losses(
            self, losses: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Scale the distillation losses by ``teacher_loss_weight``.

        A weight of exactly 1 leaves the dict untouched (same tensors, same
        graph), so methods without a schedule keep their numbers.
        """
        weight = self.teacher_loss_weight
        if weight == 1.0:
            return losses
        scaled = dict(losses)
        for key, value in losses.items():
            if key.startswith('loss') and key not in self.student_loss_keys:
                scaled[key] = value * weight
        return scaled

    def predict(self, inputs, data_samples: Optional[List[DataSample]] = None):
        """Zero-shot classification over the text bank by student and
        teacher.

        ``pred_score`` holds the student's cosine similarities to the TSB
        columns (what the stock ``Accuracy`` metric reads); the teacher's
        zero-shot label is stored as ``teacher_pred_label`` for
        :class:`~lgd_mm.evaluation.ZeroShotAccuracy`.
        """
        if self.text_bank is None:
            raise NotImplementedError(
                f'{type(self).__name__} has no predict mode without a '
                'text_bank (zero-shot needs a CLIP teacher)')
        images = self.single_view(inputs)
        tsb = self.text_bank.bank
        scores = self.student_embed(images) @ tsb
        if data_samples is None:
            data_samples = [DataSample() for _ in range(images.size(0))]
        for ds, score in zip(data_samples, scores):
            ds.set_pred_score(score).set_pred_label(score.argmax())
        if self.reads_store:
            # a store holds training views only: no teacher column
            return data_samples
        t_labels = zero_shot_labels(self.teacher_embed(images), tsb)
        for ds, t_label in zip(data_samples, t_labels):
            ds.set_field(t_label.view(1), 'teacher_pred_label')
        return data_samples

    def checkpoint_meta(self) -> dict:
        """Primitives recorded in checkpoints (see the meta hook)."""
        pre = self.data_preprocessor
        meta = dict(
            algorithm=type(self).__name__,
            student=type(self.backbone).__name__,
            teacher=getattr(self.teacher, 'model_name',
                            type(self.teacher).__name__),
            teacher_weights=str(getattr(self.teacher, 'pretrained', None)))
        meta.update(normalization_meta(pre))
        if self.text_bank is not None:
            meta.update(self.text_bank.meta)
        return meta
