"""Build open_clip models from a name + weights, offline by default."""
import difflib
import hashlib
import json
import os
import os.path as osp
import tempfile
from typing import Optional, Tuple

import open_clip
import torch
from torch import nn

from lgd_mm.utils.load_check import compare_state

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
    known = open_clip.list_models()
    if model_name not in known:
        close = difflib.get_close_matches(model_name, known, n=4, cutoff=0.5)
        raise ValueError(
            f'Unknown open_clip model "{model_name}" (model.teacher.'
            f'model_name)' +
            (f'; did you mean {" or ".join(close)}?' if close else '.') +
            ' Expected a name of open_clip.list_models() (e.g. '
            '"RN50-quickgelu"), of lgd_mm/models/teachers/model_configs, or '
            'a model_cfg.')
    if pretrained is not None and osp.exists(pretrained):
        model = create_from_file(model_name, pretrained, device)
    else:
        if pretrained is not None and pretrained not in \
                open_clip.list_pretrained_tags_by_model(model_name):
            raise FileNotFoundError(
                f'pretrained="{pretrained}" is neither a file nor an '
                f'open_clip tag of {model_name} '
                f'({open_clip.list_pretrained_tags_by_model(model_name)})')
        if pretrained is not None:
            check_tag_available(model_name, pretrained)
        model = open_clip.create_model(
            model_name, pretrained=pretrained, device=device)
    tokenizer = open_clip.get_tokenizer(model_name)
    return model, tokenizer


def _cached_tag_file(cfg: dict) -> Optional[str]:
    """The local file of an open_clip pretrained tag, if a previous
    download left it in open_clip's or the Hugging Face cache."""
    hub = cfg.get('hf_hub', '')
    if hub and open_clip.pretrained.has_hf_hub():
        from huggingface_hub import try_to_load_from_cache
        repo, name = os.path.split(hub)
        names = [name] if name else [
            'open_clip_model.safetensors', 'open_clip_pytorch_model.bin'
        ]
        for filename in names:
            found = try_to_load_from_cache(repo, filename)
            if isinstance(found, str):
                return found
    url = cfg.get('url', '')
    if url:
        path = osp.join(
            osp.expanduser('~/.cache/clip'), osp.basename(url.split('?')[0]))
        if osp.isfile(path):
            return path
    return None


def _online(cfg: dict, timeout: float = 3.0) -> bool:
    """Whether the host of a tag's weights answers within ``timeout``."""
    import socket
    from urllib.parse import urlparse
    if os.environ.get('HF_HUB_OFFLINE', '0') not in ('0', '', 'false'):
        return False
    host = 'huggingface.co' if cfg.get('hf_hub') else urlparse(
        cfg.get('url', '')).hostname
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except (OSError, TypeError):
        return False


def check_tag_available(model_name: str, tag: str) -> None:
    """Fail in seconds when the weights of an open_clip tag can be neither
    read from a local cache nor downloaded (open_clip itself retries for
    about a minute and then reports a bare download error).

    Raises:
        FileNotFoundError: Names the tag and the setting to use instead.
    """
    cfg = open_clip.get_pretrained_cfg(model_name, tag)
    if not cfg or 'file' in cfg or _cached_tag_file(cfg) or _online(cfg):
        return
    raise FileNotFoundError(
        f'model.teacher.pretrained={tag!r}: the {model_name} weights of tag '
        f'{tag!r} are not in the local cache and cannot be downloaded '
        '(no network, or HF_HUB_OFFLINE=1). Download them once where there '
        'is network, or point at a local file: '
        'model.teacher.pretrained=/path/to/weights (e.g. --cfg-options '
        'model.teacher.pretrained=checkpoints/RN50.pt).')


def create_from_file(model_name: str,
                     path: str,
                     device: str = 'cpu') -> nn.Module:
    """open_clip's ``create_model`` with local weights, with errors that say
    what is wrong with the file.

    Loading stays open_clip's own (``weights_only=True``, format
    conversions, strict keys); failures are re-raised naming the file and,
    for weights of another architecture, the missing / unexpected /
    reshaped tensors.

    Args:
        model_name (str): open_clip architecture.
        path (str): Local checkpoint file.
        device (str): Device. Defaults to 'cpu'.

    Raises:
        IsADirectoryError, PermissionError: if ``path`` is not a readable
            file.
        ValueError: if the file is empty, not a checkpoint, or holds the
            weights of another architecture.
    """
    what = f'teacher weights {path} (model.teacher.pretrained)'
    if osp.isdir(path):
        raise IsADirectoryError(f'{what} is a directory; expected a '
                                f'checkpoint file of open_clip {model_name}')
    if not os.access(path, os.R_OK):
        raise PermissionError(f'{what} cannot be read (permission denied)')
    if osp.getsize(path) == 0:
        raise ValueError(f'{what} is an empty file (0 bytes); expected a '
                         f'checkpoint of open_clip {model_name}')
    try:
        return open_clip.create_model(
            model_name, pretrained=path, device=device)
    except Exception as e:
        if isinstance(e, RuntimeError) and \
                'Error(s) in loading state_dict' in str(e):
            report = compare_state(
                open_clip.create_model(model_name),
                open_clip.factory.load_state_dict(path),
                name=f'open_clip {model_name}',
                checkpoint=path,
                compare_values=False)
            raise ValueError(
                f'{what} do not fit open_clip {model_name}:\n'
                f'{report.details()}\nAre they the weights of another '
                'architecture? Set model.teacher.model_name to the one they '
                'were trained as.') from None
        raise ValueError(
            f'{what} is not a readable checkpoint ({type(e).__name__}: {e}); '
            f'expected a state dict of open_clip {model_name} saved with '
            'torch.save') from None


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
