"""Function-preserving initialisation of a larger ResNet from a smaller
one (Net2Net; DWT parameter remapping, lgd_method.md §7)."""
import re
from typing import Dict, Optional

import torch
from mmengine.logging import print_log
from mmpretrain.models.backbones.resnet import Bottleneck, ResNet
from torch import nn

from lgd_mm.registry import WEIGHT_INITIALIZERS
from lgd_mm.utils.checkpoint import safe_torch_load

Tensor = torch.Tensor


def wider_map(old: int, new: int, gen: torch.Generator) -> Tensor:
    """Net2WiderNet's mapping of ``new`` channels onto ``old`` ones: the
    first ``old`` are themselves, the rest random replicas."""
    if new < old:
        raise ValueError(f'cannot narrow {old} channels to {new}')
    extra = torch.randint(old, (new - old, ), generator=gen)
    return torch.cat([torch.arange(old), extra])


def _widen(t: Tensor, out_map: Tensor, in_map: Optional[Tensor]) -> Tensor:
    """Replicate the output channels of ``t``; split each input channel's
    weight evenly over its replicas, so sums over them are unchanged."""
    t = t[out_map]
    if in_map is not None and t.dim() > 1:
        counts = torch.bincount(in_map).to(t.dtype)[in_map]
        t = t[:, in_map] / counts.view(1, -1, *[1] * (t.dim() - 2))
    return t


def _block_layout(state: Dict[str, Tensor]) -> Dict[int, int]:
    """Blocks per stage, from ``layer{s}.{j}.`` keys."""
    layout: Dict[int, int] = {}
    for key in state:
        m = re.match(r'layer(\d+)\.(\d+)\.', key)
        if m:
            s, j = int(m.group(1)), int(m.group(2))
            layout[s] = max(layout.get(s, 0), j + 1)
    return layout


def remap_resnet(student: ResNet,
                 teacher: Dict[str, Tensor],
                 seed: int = 0) -> Dict[str, Tensor]:
    """Student weights that compute the teacher's function.

    Deeper stages: teacher block ``j`` initialises student block ``j``; the
    extra blocks at the end of each stage keep their init but get a zero
    last-BN scale and shift, so their residual branch is 0 and, after the
    ReLU of the previous block, the block is the identity (Net2DeeperNet).
    Wider layers: every channel map is :func:`wider_map`, the residual
    stream of a stage sharing one map. The student's features are then the
    teacher's with replicated channels: ``f_S[:, j] = f_T[:, map[j]]``.

    Args:
        student (ResNet): mmpretrain ResNet of the same block type, stages
            at least as deep and as wide, with a downsample exactly where
            the teacher has one.
        teacher (dict): Teacher backbone state dict (no prefix).
        seed (int): Seed of the replica choice. Defaults to 0.

    Returns:
        dict: A full state dict for ``student``.
    """
    new = {k: v.clone() for k, v in student.state_dict().items()}
    bottleneck = any(k.endswith('conv3.weight') for k in teacher)
    if bottleneck != isinstance(student.layer1[0], Bottleneck):
        raise ValueError('teacher and student must use the same ResNet '
                         'block type (BasicBlock or Bottleneck)')
    gen = torch.Generator().manual_seed(seed)
    t_layout, s_layout = _block_layout(teacher), _block_layout(new)
    if sorted(t_layout) != sorted(s_layout) or any(
            s_layout[s] < n for s, n in t_layout.items()):
        raise ValueError(f'cannot deepen {t_layout} blocks per stage into '
                         f'{s_layout}')
    last = 'conv3' if bottleneck else 'conv2'

    def copy(prefix, out_map, in_map):
        for key in [k for k in teacher if k.startswith(prefix)]:
            src = teacher[key]
            if key.endswith('num_batches_tracked'):
                new[key] = src.clone()
            else:
                new[key] = _widen(src, out_map,
                                  in_map if src.dim() == 4 else None)

    def grow(key):
        return wider_map(teacher[key].size(0), new[key].size(0), gen)

    stream = grow('conv1.weight')
    copy('conv1.', stream, torch.arange(3))
    copy(student.norm1_name + '.', stream, None)
    for s in sorted(t_layout):
        first = f'layer{s}.0.'
        has_down = any(k.startswith(first + 'downsample.') for k in teacher)
        if has_down != any(k.startswith(first + 'downsample.') for k in new):
            raise ValueError(f'stage {s}: teacher and student must both '
                             'have a downsample or neither')
        out = grow(f'{first}{last}.weight') if has_down else stream
        for j in range(s_layout[s]):
            p = f'layer{s}.{j}.'
            if j >= t_layout[s]:  # identity block
                norm = p + ('bn3.' if bottleneck else 'bn2.')
                new[norm + 'weight'].zero_()
                new[norm + 'bias'].zero_()
                continue
            mid1 = grow(p + 'conv1.weight')
            copy(p + 'conv1.', mid1, stream)
            copy(p + 'bn1.', mid1, None)
            mid2 = grow(p + 'conv2.weight') if bottleneck else out
            copy(p + 'conv2.', mid2, mid1)
            copy(p + 'bn2.', mid2, None)
            if bottleneck:
                copy(p + 'conv3.', out, mid2)
                copy(p + 'bn3.', out, None)
            copy(p + 'downsample.', out, stream)
            stream = out
    return new


@WEIGHT_INITIALIZERS.register_module(name='ParamRemap')
class ParamRemapInit:
    """Initialise a ResNet student from a smaller ResNet checkpoint,
    function-preservingly (:func:`remap_resnet`).

    DWT (Lee et al., 2023) initialises the larger student from the
    weak teacher's parameters; with Net2Net's operators the student starts
    out computing the teacher's features: ResNet-18 -> ResNet-34 (identity
    blocks appended per stage) and/or wider stages (``base_channels`` and
    ``stem_channels`` scaled together). Different block types (ResNet-18 ->
    ResNet-50) have no function-preserving map and are rejected.

    Use as ``backbone.init_cfg=dict(type='ParamRemap', checkpoint=...)``.
    The remapped weights are final: the student's ``zero_init_residual``
    is switched off so ``ResNet.init_weights`` does not zero them after.

    Args:
        checkpoint (str): Teacher checkpoint (``state_dict`` or bare dict).
        prefix (str): Key prefix of the teacher backbone.
            Defaults to 'backbone.'.
        seed (int): Seed of the channel replicas. Defaults to 0.
    """

    def __init__(self,
                 checkpoint: str,
                 prefix: str = 'backbone.',
                 seed: int = 0):
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.seed = seed

    def __call__(self, module: nn.Module) -> None:
        if not isinstance(module, ResNet) or getattr(module, 'deep_stem',
                                                     False):
            raise TypeError('ParamRemap supports mmpretrain ResNet '
                            f'(no deep stem), got {type(module).__name__}')
        ckpt = safe_torch_load(self.checkpoint, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        teacher = {
            k[len(self.prefix):]: v
            for k, v in state.items() if k.startswith(self.prefix)
        }
        if not teacher:
            raise KeyError(f'{self.checkpoint} has no "{self.prefix}*" keys')
        module.load_state_dict(remap_resnet(module, teacher, self.seed))
        module.zero_init_residual = False
        print_log(
            f'ParamRemap: {type(module).__name__} initialised from '
            f'{self.checkpoint}',
            logger='current')
