"""Contrastive image-text training of an open_clip model (CLIP)."""
import math
from collections import OrderedDict
from typing import Dict, List, Optional

import torch
from mmengine.dist import get_dist_info
from mmengine.model import BaseModel
from open_clip.loss import ClipLoss
from open_clip.modified_resnet import Bottleneck
from torch import nn

from lgd_mm.registry import MODELS
from lgd_mm.utils.normalization import CLIP_NORM
from ..teachers.factory import create_clip_model


def clip_state_from_checkpoint(
        state_dict: Dict[str, torch.Tensor],
        max_logit_scale: float = 100.) -> Dict[str, torch.Tensor]:
    """The open_clip ``state_dict`` inside a :class:`ContrastiveCLIP` one.

    Keeps the ``clip.`` entries without that prefix (the text bank and
    anything else are dropped) and clamps ``logit_scale`` as training does,
    so ``open_clip.create_model(name, pretrained=file)`` and
    ``CLIPTeacher(pretrained=file)`` load the result.

    Args:
        state_dict (dict): A ``ContrastiveCLIP`` state dict, e.g.
            ``checkpoint['state_dict']`` of an mmengine checkpoint.
        max_logit_scale (float): Upper clamp of ``exp(logit_scale)``.

    Returns:
        dict: An open_clip state dict (``OrderedDict``).
    """
    prefix = 'clip.'
    state = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                        if k.startswith(prefix))
    if not state:
        raise KeyError('no "clip." weights in this state dict; is it a '
                       'ContrastiveCLIP checkpoint?')
    if 'logit_scale' in state:
        state['logit_scale'] = state['logit_scale'].clamp(
            0, math.log(max_logit_scale))
    return state


@MODELS.register_module()
class ContrastiveCLIP(BaseModel):
    """Train an open_clip model on image-text pairs with open_clip's loss.

    The CLIP recipe (Radford et al. 2021) as an mmengine model: L2-normalised
    image and text embeddings, :class:`open_clip.loss.ClipLoss` with the
    learnable temperature, clamped at ``max_logit_scale`` as open_clip's
    trainer does (here before each forward, so the value used is always in
    range; DDP runs the same code). Optimiser, schedule and checkpoints come
    from the Runner config. Used to train the toy teacher of the offline
    default (``configs/toyworld/toy-clip_*``).

    Texts come as strings in ``data_sample.text`` (see
    :class:`~lgd_mm.datasets.RandomClassPrompt`) and are tokenised with the
    architecture's own open_clip tokenizer. ``predict`` classifies zero-shot
    with a :class:`~lgd_mm.models.TextualSemanticsBank` that the current
    text tower fills (rebuilt after training steps), so
    :class:`~lgd_mm.evaluation.ZeroShotAccuracy` validates the model the
    way LGD will use it as a teacher.

    Args:
        model_name (str): open_clip architecture. Defaults to 'lgd-toy-rn'.
        model_cfg (dict, optional): A custom open_clip architecture config,
            registered under ``model_name``.
        contrast_group_size (int, optional): Contrast within consecutive
            groups of this many pairs and average the group losses (with
            :class:`~lgd_mm.datasets.ClassDisjointSampler` and the number
            of classes: no false negatives). None contrasts the whole batch,
            gathered over ranks.
        max_logit_scale (float): Upper clamp of ``exp(logit_scale)``.
            Defaults to 100 (open_clip).
        zero_init_residual (bool): Keep open_clip's zero init of the last BN
            gain of each ModifiedResNet bottleneck; False sets those gains
            to one in :meth:`init_weights` (shallow towers learn shape
            sooner). Defaults to True.
        text_bank (dict, optional): A ``TextualSemanticsBank`` config for
            ``predict``; None disables zero-shot prediction.
        data_preprocessor (dict, optional): Defaults to mmpretrain's
            ``ClsDataPreprocessor`` with the CLIP mean/std on RGB.
        init_cfg (dict, optional): Initialization config.
    """
    #: Weak reference to a NonFiniteGuardHook, set by the hook.
    nonfinite_guard = None

    def __init__(self,
                 model_name: str = 'lgd-toy-rn',
                 model_cfg: Optional[dict] = None,
                 contrast_group_size: Optional[int] = None,
                 max_logit_scale: float = 100.,
                 zero_init_residual: bool = True,
                 text_bank: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(
                type='ClsDataPreprocessor',
                mean=CLIP_NORM['mean'],
                std=CLIP_NORM['std'],
                to_rgb=True)
        if isinstance(data_preprocessor, dict):
            # lgd_mm's registry also finds mmpretrain's types, in any scope
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if contrast_group_size is not None and contrast_group_size < 2:
            raise ValueError(f'contrast_group_size must be >= 2 or None, got '
                             f'{contrast_group_size}')
        self.model_name = model_name
        self.contrast_group_size = contrast_group_size
        self.max_logit_scale = max_logit_scale
        self.max_log_scale = math.log(max_logit_scale)
        self.zero_init_residual = zero_init_residual
        self.clip, self.tokenizer = create_clip_model(model_name, None,
                                                      model_cfg)
        rank, world = get_dist_info()
        gather = contrast_group_size is None and world > 1
        self.clip_loss = ClipLoss(
            gather_with_grad=gather,
            rank=rank if gather else 0,
            world_size=world if gather else 1)
        self.text_bank = MODELS.build(text_bank) if text_bank else None
        self._bank_stale = True

    def init_weights(self) -> None:
        super().init_weights()
        if not self.zero_init_residual:
            for block in self.clip.visual.modules():
                if isinstance(block, Bottleneck):
                    nn.init.ones_(block.bn3.weight)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            guard = self.nonfinite_guard and self.nonfinite_guard()
            if guard is not None:
                return guard.run(self, lambda: self.loss(inputs, data_samples))
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def _clamp_logit_scale(self) -> None:
        with torch.no_grad():
            self.clip.logit_scale.clamp_(0, self.max_log_scale)

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """L2-normalised image embeddings (B, D)."""
        return self.clip.encode_image(inputs, normalize=True)

    def loss(self, inputs: torch.Tensor,
             data_samples: List) -> Dict[str, torch.Tensor]:
        """CLIP loss of a batch of images and their ``text``."""
        self._clamp_logit_scale()
        self._bank_stale = True  # the weights are about to change
        tokens = torch.as_tensor(
            self.tokenizer([sample.text for sample in data_samples]),
            device=inputs.device)
        img = self.extract_feat(inputs)
        txt = self.clip.encode_text(tokens, normalize=True)
        scale = self.clip.logit_scale.exp()
        group = self.contrast_group_size or len(img)
        if len(img) % group:
            raise ValueError(f'batch of {len(img)} pairs is not a multiple of '
                             f'contrast_group_size={group}')
        losses = [
            self.clip_loss(a, b, scale)
            for a, b in zip(img.split(group), txt.split(group))
        ]
        return dict(loss=sum(losses) / len(losses), logit_scale=scale.detach())

    @torch.no_grad()
    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None) -> List:
        """Zero-shot ``pred_label`` / ``pred_score`` over the text bank."""
        if self.text_bank is None:
            raise RuntimeError('ContrastiveCLIP.predict needs a text_bank '
                               '(model.text_bank=dict(vocab=...))')
        self._clamp_logit_scale()
        if self._bank_stale or not self.text_bank.is_built:
            self.text_bank.build(self.clip, self.tokenizer, self.model_name)
            self._bank_stale = False
        scores = self.extract_feat(inputs).float() @ self.text_bank.bank
        scores = (scores * self.clip.logit_scale.exp()).softmax(dim=1)
        if data_samples is None:
            from mmpretrain.structures import DataSample
            data_samples = [DataSample() for _ in range(len(scores))]
        for sample, score in zip(data_samples, scores):
            sample.set_pred_score(score).set_pred_label(score.argmax())
        return data_samples

    def open_clip_state_dict(self) -> Dict[str, torch.Tensor]:
        """The trained open_clip ``state_dict`` (see
        :func:`clip_state_from_checkpoint`)."""
        return clip_state_from_checkpoint(self.state_dict(),
                                          self.max_logit_scale)
