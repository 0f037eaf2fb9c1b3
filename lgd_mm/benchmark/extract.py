"""Backbone-only exports of distillation (and other) checkpoints.

``extract_backbone`` turns any of these into one plain file::

    {'state_dict': {'backbone.*': Tensor[, 'neck.*': Tensor]},
     'meta': {primitives: algorithm, student, teacher, mean, std, ...}}

which loads with ``torch.load(weights_only=True)`` and with mmengine's
``init_cfg=dict(type='Pretrained', prefix='backbone.')`` (benchmarks.md §1):

* mmengine checkpoints of lgd_mm distillers or mmpretrain classifiers
  (``backbone.*``; ``neck.*`` is the distillation projector; banks, queues,
  optimizer and message hub are dropped);
* torchvision-layout ResNet-18 / MobileNetV2 state dicts (``conv1.weight``,
  ``features.0.0.weight``, ...), e.g. torchvision's supervised weights;
* official-LGD checkpoints (``module.student.<torchvision key>``, the
  projector in ``module.student.fc``).

The torchvision layouts are renamed to mmpretrain's ``ResNet`` (same names,
``fc`` dropped) and ``MobileNetV2`` (``features.i`` -> ``conv1`` /
``layerL.B`` / ``conv2``, by mmpretrain's own converter). Students are
recognised by comparing keys and shapes with the pre-training backbones of
``configs/_base_/students/``.
"""
import contextlib
import functools
import importlib.util
import io
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch

from lgd_mm.utils.normalization import CLIP_NORM, IMAGENET_NORM
from lgd_mm.models.distillers.base import rename_legacy_neck_keys
from lgd_mm.utils.fileio import atomic_torch_save
from lgd_mm.utils.load_check import read_checkpoint
from lgd_mm.utils.norm_layers import sync_bn_to_bn
from .students import load_student, student_ids

__all__ = [
    'EXPORT_FORMAT', 'CLIP_NORM', 'IMAGENET_NORM',
    'torchvision_mobilenet_v2_to_mmpretrain', 'detect_layout', 'infer_student',
    'convert_state', 'extract_backbone', 'save_payload'
]

EXPORT_FORMAT = 'lgd_mm.backbone.v1'
_HEAD_PREFIXES = ('neck.', 'head.')
# normalisation of checkpoints that record none: official LGD pre-trained
# with CLIP's, torchvision's weights with ImageNet's; other mmengine files
# are unknown (the load check then cannot compare)
_DEFAULT_NORM = {
    'official-lgd': 'clip',
    'torchvision-resnet': 'imagenet',
    'torchvision-mobilenet_v2': 'imagenet',
}
_OFFICIAL_PREFIX = 'module.student.'


@functools.lru_cache(maxsize=None)
def _mmpretrain_converter(name: str):
    """A converter script that mmpretrain ships in its ``.mim/tools``."""
    import mmpretrain
    path = osp.join(
        osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'model_converters',
        f'{name}.py')
    if not osp.isfile(path):
        raise FileNotFoundError(f'mmpretrain converter {path} is missing; '
                                'reinstall mmpretrain 1.2.0')
    spec = importlib.util.spec_from_file_location(
        f'mmpretrain_converter_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torchvision_mobilenet_v2_to_mmpretrain(
        state: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """Rename torchvision MobileNetV2 keys to mmpretrain's ``MobileNetV2``
    with mmpretrain's converter (``mobilenetv2_to_mmpretrain``), without its
    per-key printing; ``classifier.*`` is dropped."""
    tool = _mmpretrain_converter('mobilenetv2_to_mmpretrain')
    out, done = OrderedDict(), set()
    with contextlib.redirect_stdout(io.StringIO()):
        for key, value in state.items():
            if not key.startswith('features.'):
                continue
            if key.startswith('features.0.'):
                tool.convert_conv1(key, value, out, done)
            elif key.startswith('features.18.'):
                tool.convert_conv5(key, value, out, done)
            else:
                tool.convert_block(key, value, out, done)
    return OrderedDict((k[len('backbone.'):], v) for k, v in out.items())


def detect_layout(state: Dict[str, torch.Tensor]) -> str:
    """'mmengine', 'official-lgd', 'torchvision-resnet' or
    'torchvision-mobilenet_v2'."""
    keys = list(state)
    if any(k.startswith('backbone.') for k in keys):
        return 'mmengine'
    if any(k.startswith(_OFFICIAL_PREFIX) for k in keys):
        return 'official-lgd'
    if 'features.0.0.weight' in state:
        return 'torchvision-mobilenet_v2'
    if 'conv1.weight' in state and 'layer1.0.conv1.weight' in state:
        return 'torchvision-resnet'
    raise ValueError(
        'unrecognised checkpoint layout: no backbone.* keys (mmengine), '
        f'no {_OFFICIAL_PREFIX}* keys (official LGD) and no torchvision '
        f'ResNet/MobileNetV2 keys; first keys: {keys[:5]}')


def _official_projector(state: Dict[str, torch.Tensor]) -> OrderedDict:
    """Official ``fc`` = Sequential(Linear, ReLU, Linear) -> ``MoCoV2Neck``
    (``mlp.0`` / ``mlp.2``)."""
    names = {'fc.0.': 'neck.mlp.0.', 'fc.2.': 'neck.mlp.2.'}
    out = OrderedDict()
    for key, value in state.items():
        for old, new in names.items():
            if key.startswith(old):
                out[new + key[len(old):]] = value
    return out


def convert_state(state: Dict[str, torch.Tensor],
                  layout: str,
                  keep_head: bool = False) -> 'OrderedDict[str, torch.Tensor]':
    """Keep (and rename) the student's keys of a checkpoint.

    Args:
        state (dict): The checkpoint's tensors.
        layout (str): See :func:`detect_layout`.
        keep_head (bool): Also keep the projector (``neck.*``) and
            ``head.*``, which zero-shot evaluation needs.

    Returns:
        OrderedDict: ``backbone.*`` (and ``neck.*`` / ``head.*``) tensors.
    """
    if layout == 'mmengine':
        # DDP-wrapped saves carry a 'module.' prefix
        state = OrderedDict((k[7:] if k.startswith('module.') else k, v)
                            for k, v in state.items())
        keep = ('backbone.', ) + (_HEAD_PREFIXES if keep_head else ())
        out = OrderedDict(
            (k, v) for k, v in state.items() if k.startswith(keep))
        # files of the former ProjectionNeck: one projector layout out
        rename_legacy_neck_keys(out)
        return out
    if layout == 'official-lgd':
        student = OrderedDict((k[len(_OFFICIAL_PREFIX):], v)
                              for k, v in state.items()
                              if k.startswith(_OFFICIAL_PREFIX))
        inner = detect_layout(student)
        out = convert_state(student, inner)
        if keep_head:
            out.update(_official_projector(student))
        return out
    if layout == 'torchvision-resnet':
        # mmpretrain's ResNet uses torchvision's names; fc is the classifier
        backbone = OrderedDict(
            (k, v) for k, v in state.items() if not k.startswith('fc.'))
    elif layout == 'torchvision-mobilenet_v2':
        backbone = torchvision_mobilenet_v2_to_mmpretrain(state)
    else:
        raise ValueError(f'unknown layout {layout!r}')
    return OrderedDict(('backbone.' + k, v) for k, v in backbone.items())


@functools.lru_cache(maxsize=None)
def _student_signature(sid: str) -> Tuple[Tuple[str, tuple], ...]:
    """(name, shape) of every tensor of a student's backbone."""
    import mmpretrain.models  # noqa: F401  (registers the backbones)
    from mmpretrain.registry import MODELS
    model = MODELS.build(
        sync_bn_to_bn(dict(load_student(sid)['pretrain_backbone'])))
    return tuple((k, tuple(v.shape)) for k, v in model.state_dict().items()
                 if not k.endswith('num_batches_tracked'))


def infer_student(state: Dict[str, torch.Tensor]) -> Optional[str]:
    """The id of the student (``configs/_base_/students``) whose
    pre-training backbone keys and shapes ``state`` (``backbone.*`` keys)
    matches exactly, or None."""
    own = {
        k[len('backbone.'):]: tuple(v.shape)
        for k, v in state.items()
        if k.startswith('backbone.') and not k.endswith('num_batches_tracked')
    }
    for sid in student_ids():
        if dict(_student_signature(sid)) == own:
            return sid
    return None


def _primitive(value):
    """``value`` with every non-primitive leaf turned into a string."""
    if isinstance(value, dict):
        return {str(k): _primitive(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_primitive(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def extract_backbone(src: str,
                     out: Optional[str] = None,
                     keep_head: bool = False,
                     layout: str = 'auto',
                     norm: Optional[str] = None,
                     method: Optional[str] = None,
                     trusted: bool = False) -> dict:
    """Write (and return) the backbone-only export of ``src``.

    Args:
        src (str): Input checkpoint (any layout of the module docstring).
        out (str, optional): Output path; None only returns the payload.
        keep_head (bool): Keep the projector for zero-shot evaluation.
        layout (str): ``'auto'`` or a :func:`detect_layout` value.
        norm (str, optional): Pre-training normalisation to record:
            ``'clip'``, ``'imagenet'`` or ``'none'``. Defaults to what the
            checkpoint records, else CLIP for official-LGD files, ImageNet
            for torchvision files and nothing for other mmengine files.
        method (str, optional): Method label to record (defaults to the
            checkpoint's ``algorithm``).
        trusted (bool): Load ``src`` with full unpickling (files you trust
            that pickle more than tensors). Defaults to False.

    Returns:
        dict: ``{'state_dict': ..., 'meta': ...}``.
    """
    state, meta = read_checkpoint(src, trusted)
    if layout == 'auto':
        layout = detect_layout(state)
    weights = convert_state(state, layout, keep_head)
    if not any(k.startswith('backbone.') for k in weights):
        raise ValueError(f'{src}: no backbone weights found ({layout})')
    if keep_head and not any(k.startswith('neck.') for k in weights):
        raise ValueError(f'{src}: --keep-head asked for, but the checkpoint '
                         'has no projector (neck.*)')
    if meta.get('format') == EXPORT_FORMAT:
        info = dict(meta)  # re-exporting an export keeps its record
    else:
        info = dict(meta.get('lgd_mm') or {})
        info.update(
            layout=layout,
            source=osp.abspath(src) if osp.exists(src) else src,
            epoch=meta.get('epoch'),
            iter=meta.get('iter'))
    if norm is None and 'mean' not in info:
        norm = _DEFAULT_NORM.get(layout)
    if norm in ('clip', 'imagenet'):
        info.update(CLIP_NORM if norm == 'clip' else IMAGENET_NORM)
    elif norm == 'none':
        info.pop('mean', None)
        info.pop('std', None)
    if method:
        info['algorithm'] = method
    if layout == 'official-lgd':
        info.setdefault('algorithm', 'LGD')
    info.update(
        format=EXPORT_FORMAT, arch=infer_student(weights), keep_head=keep_head)
    payload = dict(state_dict=weights, meta=_primitive(info))
    if out:
        save_payload(payload, out)
    return payload


def save_payload(payload: dict, out: str) -> None:
    """Write a backbone export atomically (temporary file, then rename)."""
    atomic_torch_save(payload, out)
