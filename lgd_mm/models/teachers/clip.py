"""Frozen CLIP image tower used as the distillation teacher."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from lgd_mm.registry import MODELS
from .factory import create_clip_model
from .frozen import FrozenTeacher

_DTYPES = dict(fp32=torch.float32, fp16=torch.float16, bf16=torch.bfloat16)
# Text-side attributes of open_clip's CLIP; CustomTextCLIP keeps them in .text
_TEXT_ATTRS = ('transformer', 'token_embedding', 'positional_embedding',
               'ln_final', 'text_projection', 'attn_mask', 'text')


def encode_device(model: nn.Module) -> torch.device:
    """The fastest device for a one-off encode with ``model``.

    This rank's current GPU when CUDA is available (mmengine has set it
    before the model is built), else where ``model``'s weights are.
    """
    if torch.cuda.is_available():
        return torch.device('cuda', torch.cuda.current_device())
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device('cpu')


@MODELS.register_module()
class CLIPTeacher(FrozenTeacher):
    """A frozen open_clip image encoder (LGD §1.1).

    The open_clip model is held outside the module tree
    (:class:`FrozenTeacher`): it is not state, never re-initialised and
    always in eval mode.

    Args:
        model_name (str): open_clip architecture. ``'RN50-quickgelu'`` matches
            OpenAI's RN50 (its text tower needs QuickGELU); ``'RN101'``,
            ``'ViT-B-16'`` and lgd_mm's toy configs also work.
        pretrained (str, optional): open_clip pretrained tag (downloads) or a
            local checkpoint path. None gives random init (tests only).
        model_cfg (dict, optional): a custom open_clip architecture config,
            registered under ``model_name``.
        dtype (str): Compute dtype of the image tower: 'fp32', 'fp16' or
            'bf16' (half precision: faster, half the weight memory; 'fp16'
            is for CUDA, 'bf16' also runs fast on CPUs with AVX512-BF16 or
            AMX). Embeddings are returned in fp32 either way; the text
            tower stays fp32. See docs/performance.md.
        channels_last (bool): Run the image tower in channels-last memory
            format (faster convolutions on recent GPUs and with oneDNN on
            CPU).
        resize_input (bool): Resize inputs whose size differs from the
            tower's ``image_size`` (the RN attention pool has a fixed grid).
            When False, a size mismatch is an error.
        init_cfg (dict, optional): Unused; CLIP weights come from
            ``pretrained``.
    """

    def __init__(self,
                 model_name: str = 'RN50-quickgelu',
                 pretrained: Optional[str] = None,
                 model_cfg: Optional[dict] = None,
                 dtype: str = 'fp32',
                 channels_last: bool = False,
                 resize_input: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if dtype not in _DTYPES:
            raise ValueError(f'CLIPTeacher dtype must be one of '
                             f'{list(_DTYPES)}, got {dtype!r}')
        self.model_name = model_name
        self.pretrained = pretrained
        self.dtype = _DTYPES[dtype]
        self.channels_last = channels_last
        self.resize_input = resize_input
        clip, tokenizer = create_clip_model(model_name, pretrained, model_cfg)
        # Only the image tower runs in `dtype`: the text tower builds the
        # TSB once in fp32 (same bank and cache key at any teacher dtype).
        clip.visual.to(self.dtype)
        if channels_last:
            clip.visual.to(memory_format=torch.channels_last)
        self.hold('clip', clip)
        object.__setattr__(self, 'tokenizer', tokenizer)
        size = getattr(clip.visual, 'image_size', None)
        self.image_size = tuple(size) if isinstance(size,
                                                    (tuple, list)) else (size,
                                                                         size)
        self.embed_dim = self._probe_embed_dim()
        self.has_text_tower = True

    def _probe_embed_dim(self) -> int:
        proj = getattr(self.clip, 'text_projection', None)
        out = getattr(self.clip.visual, 'output_dim', None)
        if out is None and proj is not None:
            out = proj.shape[-1] if torch.is_tensor(
                proj) else proj.out_features
        if out is None:
            raise ValueError(f'cannot tell the embedding size of '
                             f'{self.model_name}')
        return int(out)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """L2-normalised fp32 image embeddings (B, D) of normalised images."""
        if tuple(images.shape[-2:]) != self.image_size:
            if not self.resize_input:
                raise ValueError(
                    f'teacher {self.model_name} expects {self.image_size} '
                    f'inputs, got {tuple(images.shape[-2:])}')
            images = F.interpolate(
                images,
                size=self.image_size,
                mode='bilinear',
                align_corners=False)
        images = images.to(self.dtype)
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        z = self.clip.encode_image(images)
        # encode_image is (B, D) for RN and ViT towers alike; a (D,) or
        # (B, T, D) output would mean a wrongly patched pool (LGD §5.1).
        if z.dim() != 2 or z.shape[0] != images.shape[0] or \
                z.shape[1] != self.embed_dim:
            raise RuntimeError(
                f'{self.model_name}.encode_image returned {tuple(z.shape)}, '
                f'expected ({images.shape[0]}, {self.embed_dim})')
        return F.normalize(z.float(), dim=-1)

    @torch.no_grad()
    def build_text_bank(self,
                        text_bank: nn.Module,
                        drop_text_tower: bool = True) -> None:
        """Fill ``text_bank`` with the text tower, then free the tower.

        The text tower is only needed once; keeping it would waste memory and
        leave unused parameters around (LGD §1.1). The model is built on the
        CPU before the Runner moves it, so the encode runs on this rank's GPU
        when there is one (:func:`encode_device`).
        """
        text_bank.build(
            self.clip,
            self.tokenizer,
            self.model_name,
            device=encode_device(self.clip))
        if drop_text_tower:
            self.drop_text_tower()

    def drop_text_tower(self) -> None:
        """Delete the text tower of the CLIP model."""
        for name in _TEXT_ATTRS:
            if hasattr(self.clip, name):
                delattr(self.clip, name)
                # encode_text now fails loudly instead of using stale state
                object.__setattr__(self.clip, name, None)
        self.has_text_tower = False

    def extra_repr(self) -> str:
        return (f'model_name={self.model_name}, pretrained={self.pretrained},'
                f' dtype={self.dtype}, embed_dim={self.embed_dim}')
