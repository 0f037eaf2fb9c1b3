"""A frozen mmpretrain backbone as the distillation teacher."""
import copy
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.runner.checkpoint import _load_checkpoint_with_prefix
from torch import nn

from lgd_mm.registry import MODELS
from .factory import module_fingerprint
from .frozen import FrozenTeacher


def _load_prefixed(module: nn.Module, checkpoint: str, prefix: str) -> None:
    """Load the ``prefix``-ed weights of ``checkpoint`` into ``module``
    (mmengine's prefix loader, i.e. ``init_cfg=Pretrained``'s, through the
    safe loader), strictly: a teacher with a missing or misshaped weight is
    an error."""
    try:
        own = _load_checkpoint_with_prefix(
            prefix, checkpoint, map_location='cpu')
    except AssertionError:
        raise KeyError(f'{checkpoint} has no "{prefix}*" weights') from None
    module.load_state_dict(own, strict=True)


@MODELS.register_module()
class MMPretrainTeacher(FrozenTeacher):
    """Any mmpretrain backbone (+ neck) as a frozen teacher.

    For teacher ablations beyond CLIP, e.g. distillation from a weak teacher
    (DWT, lgd_method.md §7): a supervised or distilled ResNet-18 teaching a
    larger student. The output is the L2-normalised fp32 embedding of the
    neck (global average pooling by default), so every distiller treats it
    like the CLIP teacher.

    Like :class:`CLIPTeacher`, the model is held outside the module tree:
    it never enters ``state_dict``, the optimizer, DDP or ``init_weights``,
    and it stays in eval mode.

    Args:
        backbone (dict): mmpretrain backbone config, e.g.
            ``dict(type='ResNet', depth=18)``.
        neck (dict, optional): Neck on the backbone's last output. Defaults
            to ``dict(type='GlobalAveragePooling')``.
        checkpoint (str, optional): Local checkpoint holding the teacher's
            ``backbone.*`` (and, for a neck with weights, ``neck.*``) keys,
            e.g. a stock mmpretrain classifier or an lgd_mm pre-training
            run. None keeps the random init (tests only).
        prefix (str): Key prefix of the backbone weights.
            Defaults to 'backbone.'.
        neck_prefix (str): Key prefix of the neck weights.
            Defaults to 'neck.'.
        probe_size (int): Side of the dummy input used once to find the
            embedding size. Defaults to 64.
        init_cfg (dict, optional): Unused; weights come from ``checkpoint``.
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = dict(type='GlobalAveragePooling'),
                 checkpoint: Optional[str] = None,
                 prefix: str = 'backbone.',
                 neck_prefix: str = 'neck.',
                 probe_size: int = 64,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        model = nn.ModuleDict(
            dict(backbone=MODELS.build(copy.deepcopy(backbone))))
        if neck is not None:
            model['neck'] = MODELS.build(copy.deepcopy(neck))
        if checkpoint is not None:
            _load_prefixed(model['backbone'], checkpoint, prefix)
            if neck is not None and len(model['neck'].state_dict()):
                _load_prefixed(model['neck'], checkpoint, neck_prefix)
        self.hold('model', model)
        arch = backbone.get('depth', backbone.get('arch', ''))
        self.model_name = f"{backbone['type']}{'-' if arch else ''}{arch}"
        self.pretrained = checkpoint
        self.embed_dim = int(
            self._features(torch.zeros(2, 3, probe_size, probe_size)).size(1))

    @torch.no_grad()
    def _features(self, images: torch.Tensor) -> torch.Tensor:
        out = self.model['backbone'](images)
        if 'neck' in self.model:
            out = self.model['neck'](out)
        out = out[-1] if isinstance(out, (tuple, list)) else out
        return out.flatten(1)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """L2-normalised fp32 embeddings (B, D) of normalised images."""
        return F.normalize(self._features(images).float(), dim=1)

    def fingerprint(self) -> str:
        """sha256 of the teacher's weights (keys caches by weights used)."""
        return module_fingerprint(self.model)

    def extra_repr(self) -> str:
        return (f'model_name={self.model_name}, pretrained={self.pretrained}'
                f', embed_dim={self.embed_dim}')
