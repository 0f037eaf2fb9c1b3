"""What every distiller in lgd_mm shares."""
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.dist import all_gather, get_world_size
from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.structures import DataSample

from lgd_mm.registry import MODELS


class BaseDistiller(BaseSelfSupervisor):
    """Student (backbone + projection neck) distilled from a frozen teacher.

    Owns the parts all methods have in common, so that a method file holds
    only its logits, banks and losses:

    * a frozen teacher (:class:`~lgd_mm.models.CLIPTeacher` or any module
      returning normalised (B, D) embeddings), eval-locked and kept out of
      checkpoints by the teacher itself;
    * the student embedding ``z_S`` = L2-normalised projection of the
      backbone's last feature map;
    * one augmented view per image, shared by student and teacher (LGD §2);
    * cross-rank gathering of teacher keys for bank/queue updates.

    Args:
        backbone (dict): Student backbone, a stock mmpretrain backbone so
            its checkpoint plugs into mmdet/mmseg unchanged.
        neck (dict): Projection neck (GAP + MLP).
        head (dict): Method head computing the losses.
        teacher (dict): Teacher config, e.g. ``dict(type='CLIPTeacher')``.
        data_preprocessor (dict, optional): Defaults to
            ``SelfSupDataPreprocessor``; set the CLIP mean/std in configs.
        init_cfg (dict, optional): Initialisation config of the student.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 teacher: dict,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.teacher = MODELS.build(teacher)

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

    def student_embed(self, images: torch.Tensor) -> torch.Tensor:
        """L2-normalised student embeddings ``z_S`` (B, D)."""
        z = self.neck(self.backbone(images))[0]
        return F.normalize(z.float(), dim=1)

    @torch.no_grad()
    def teacher_embed(self, images: torch.Tensor) -> torch.Tensor:
        """L2-normalised fp32 teacher embeddings ``z_T`` (B, D)."""
        return self.teacher(images)

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
        return super().forward(inputs, data_samples, mode)

    def predict(self, inputs, data_samples: Optional[List[DataSample]] = None):
        raise NotImplementedError(
            f'{type(self).__name__} has no predict mode')

    def checkpoint_meta(self) -> dict:
        """Primitives recorded in checkpoints (see the meta hook)."""
        pre = self.data_preprocessor
        meta = dict(
            algorithm=type(self).__name__,
            student=type(self.backbone).__name__,
            teacher=getattr(self.teacher, 'model_name',
                            type(self.teacher).__name__),
            teacher_weights=str(getattr(self.teacher, 'pretrained', None)))
        if getattr(pre, '_enable_normalize', False):
            meta['mean'] = [round(float(v), 4) for v in pre.mean.flatten()]
            meta['std'] = [round(float(v), 4) for v in pre.std.flatten()]
        return meta
