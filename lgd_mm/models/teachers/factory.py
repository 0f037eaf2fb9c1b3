"""Build open_clip models from a name + weights, offline by default."""
import hashlib
import json
import os.path as osp
import tempfile
from typing import Optional, Tuple

import open_clip
import torch
from torch import nn

_CONFIG_DIR = osp.join(osp.dirname(__file__), 'model_configs')
_registered = set()


def register_clip_config(name: str, model_cfg: dict) -> None:
    """Make an open_clip architecture config available under ``name``.

    Uses open_clip's public ``add_model_config`` (a json file per model), so
    custom teachers go through the same ``create_model`` path as RN50/ViT.
    """
    key = (name, json.dumps(model_cfg, sort_keys=True))
    if key in _registered:
        return
    folder = tempfile.mkdtemp(prefix='lgd_mm_clip_cfg_')
    with open(osp.join(folder, f'{name}.json'), 'w') as f:
        json.dump(model_cfg, f)
    open_clip.add_model_config(folder)
    _registered.add(key)


def create_clip_model(model_name: str,
                      pretrained: Optional[str] = None,
                      model_cfg: Optional[dict] = None,
                      device: str = 'cpu') -> Tuple[nn.Module, object]:
    """Create an open_clip model and its tokenizer.

    Args:
        model_name (str): open_clip architecture name, e.g. ``'RN50-quickgelu'``,
            ``'RN101'``, ``'ViT-B-16'`` or a name of ``model_cfg``/ lgd_mm's
            ``model_configs`` folder.
        pretrained (str, optional): an open_clip pretrained tag (e.g.
            ``'openai'``; may download) or a local checkpoint path. None gives
            random init (tests, toy teachers trained by lgd_mm).
        model_cfg (dict, optional): open_clip architecture config registered
            under ``model_name`` first.
        device (str): Device. Defaults to 'cpu'.

    Returns:
        tuple: ``(model, tokenizer)``.
    """
    open_clip.add_model_config(_CONFIG_DIR)
    if model_cfg is not None:
        register_clip_config(model_name, model_cfg)
    if model_name not in open_clip.list_models():
        raise KeyError(f'Unknown open_clip model "{model_name}"; known: '
                       f'{open_clip.list_models()[:8]}... or pass model_cfg')
    if pretrained is not None and not osp.exists(
            pretrained) and pretrained not in open_clip.list_pretrained_tags_by_model(
                model_name):
        raise FileNotFoundError(
            f'pretrained="{pretrained}" is neither a file nor an open_clip tag '
            f'of {model_name} '
            f'({open_clip.list_pretrained_tags_by_model(model_name)})')
    model = open_clip.create_model(
        model_name, pretrained=pretrained, device=device)
    tokenizer = open_clip.get_tokenizer(model_name)
    return model, tokenizer


def module_fingerprint(module: nn.Module) -> str:
    """sha256 of a module's tensors (names, shapes, dtypes, values).

    Keys caches (e.g. the text bank) by the weights actually used rather than
    by a tag or path that may point at different files over time.
    """
    h = hashlib.sha256()
    for name, t in module.state_dict().items():
        t = t.detach().to("cpu").contiguous().reshape(-1)
        h.update(f'{name}:{tuple(t.shape)}:{t.dtype}'.encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b'')
    return h.hexdigest()
