"""Textual Semantics Bank: prompt ensembles of a vocabulary (method §1.2)."""
import hashlib
import json
import logging
import math
import os.path as osp
import re
import time
import warnings
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.dist import broadcast_object_list, get_dist_info
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.utils import ProgressBar
from open_clip import OPENAI_IMAGENET_TEMPLATES, SIMPLE_IMAGENET_TEMPLATES
from torch import nn

from lgd_mm.models.banks.text_encoder import (encode_text, pooled_positions,
                                              trim_unsupported_reason)
from lgd_mm.models.teachers.factory import module_fingerprint
from lgd_mm.registry import MODELS
from lgd_mm.utils.fileio import atomic_torch_save
from lgd_mm.vocabularies import (load_vocabulary, resolve_vocabulary_key,
                                 vocabulary_hash)

__all__ = [
    'TextualSemanticsBank', 'TEMPLATE_SETS', 'DEFAULT_CACHE_DIR',
    'resolve_templates', 'fill_template', 'text_tower_state', 'text_tower_arch'
]

#: Named prompt sets; open_clip stores each template as a callable
#: ``classname -> prompt``.
TEMPLATE_SETS: Dict[str, Sequence[Callable[[str], str]]] = {
    'openai_imagenet': OPENAI_IMAGENET_TEMPLATES,  # 80 (method §1.2)
    'simple': SIMPLE_IMAGENET_TEMPLATES,  # 7
}

#: The ``cache_dir`` of the shipped configs and the default of
#: ``tools/build_text_bank.py`` (relative to the working directory).
DEFAULT_CACHE_DIR = 'data/text_banks'
# Bump when the way a bank is computed changes, so old caches miss.
_CACHE_FORMAT = 'lgd_mm.tsb.v1'
# Rendering every template for this name records the prompt wording in the
# cache key ('a photo of a {}.' for both callables and format strings).
_PROBE_NAME = '{}'
# The attributes of open_clip's ``CLIP`` that ``encode_text`` reads.
_CLIP_TEXT_ATTRS = ('token_embedding', 'positional_embedding', 'transformer',
                    'ln_final', 'text_projection', 'attn_mask')

Template = Union[str, Callable[[str], str]]


def _as_format_string(fn: Callable[[str], str]) -> Template:
    """``fn`` as an equivalent format string where it is plain substitution.

    Strings keep the module picklable (open_clip's templates are lambdas).
    """
    try:
        fmt = fn(_PROBE_NAME)
        same = all(
            fmt.format(n) == fn(n) for n in ('dog', 'teddy bear', 'T shirt'))
    except (IndexError, KeyError, ValueError):
        same = False
    return fmt if same else fn


def fill_template(template: Template, name: str) -> str:
    """The prompt of ``template`` for class ``name``."""
    return template.format(name) if isinstance(template,
                                               str) else template(name)


def resolve_templates(
        templates: Union[str, Sequence[Template]]) -> List[Template]:
    """Turn a template spec into a list of templates.

    Args:
        templates (str | Sequence[str | Callable]): A key of
            :data:`TEMPLATE_SETS`, or a list whose items are format strings
            with one ``{}`` (e.g. ``'a photo of a {}.'``) or callables
            ``classname -> prompt``.

    Returns:
        List[str | Callable]: Format strings (callables that only
        substitute the name are converted) or callables; fill them with
        :func:`fill_template`.
    """
    if isinstance(templates, str):
        if templates not in TEMPLATE_SETS:
            raise ValueError(
                f'unknown templates "{templates}": expected one of '
                f'{sorted(TEMPLATE_SETS)} or a list of format strings '
                "with '{}'")
        templates = TEMPLATE_SETS[templates]
    out = []
    for t in templates:
        if isinstance(t, str):
            try:
                ok = t.format('x') != t
            except (IndexError, KeyError, ValueError):
                ok = False
            if not ok:
                raise ValueError(
                    f'template {t!r} must contain one "{{}}" for the class '
                    'name and no other braces')
            out.append(t)
        elif callable(t):
            out.append(_as_format_string(t))
        else:
            raise TypeError(f'template must be a str or callable, got {t!r}')
    if not out:
        raise ValueError('templates is empty: need at least one template')
    return out


def _text_sources(clip_model: nn.Module) -> Dict[str, object]:
    text = getattr(clip_model, 'text', None)
    if isinstance(text, nn.Module):
        # CustomTextCLIP (and HF text towers): everything lives in .text.
        return {'text': text}
    sources = {n: getattr(clip_model, n, None) for n in _CLIP_TEXT_ATTRS}
    if sources['transformer'] is None or sources['token_embedding'] is None:
        raise TypeError(
            f'{type(clip_model).__name__} has neither a .text tower nor the '
            f'text attributes of open_clip CLIP {_CLIP_TEXT_ATTRS}')
    return sources


def text_tower_state(
        clip_model: nn.Module) -> 'OrderedDict[str, torch.Tensor]':
    """All tensors that determine ``clip_model.encode_text``.

    Covers open_clip's ``CLIP`` (text modules as attributes of the model) and
    ``CustomTextCLIP`` (a ``.text`` tower). Non-persistent buffers such as
    the causal ``attn_mask`` are included; image-side weights are not, so the
    key of a text bank does not change when only the image tower does.

    Args:
        clip_model (nn.Module): An open_clip model.

    Returns:
        OrderedDict[str, Tensor]: Dotted name -> tensor (not copied).
    """
    state = OrderedDict()
    for prefix, obj in _text_sources(clip_model).items():
        if isinstance(obj, nn.Module):
            for name, t in obj.named_parameters():
                state[f'{prefix}.{name}'] = t
            for name, t in obj.named_buffers():
                state[f'{prefix}.{name}'] = t
        elif torch.is_tensor(obj):
            state[prefix] = obj
    return state


def text_tower_arch(clip_model: nn.Module) -> str:
    """Description of the text tower's structure (modules, pooling).

    Weights alone miss e.g. QuickGELU vs GELU, which changes the embeddings
    of the same checkpoint (method §1.1).
    """
    parts = [type(clip_model).__name__]
    for name, obj in _text_sources(clip_model).items():
        if isinstance(obj, nn.Module):
            parts.append(f'{name}={obj!r}')
    for attr in ('text_pool_type', 'text_eos_id', 'context_length'):
        parts.append(f'{attr}={getattr(clip_model, attr, None)!r}')
    return '\n'.join(parts)


class _TensorBag(nn.Module):
    """Holds loose tensors as buffers so ``module_fingerprint`` can hash
    them."""

    def __init__(self, tensors: Dict[str, torch.Tensor]):
        super().__init__()
        for name, t in tensors.items():
            self.register_buffer(name.replace('.', '__'), t.detach())


# Largest |trimmed - full| of normalised features accepted (float noise).
_TRIM_TOLERANCE = 1e-5

# Rough text-tower throughput (RN50 / ViT-B/32 text tower, trimmed context,
# 2-core CPU: 80,000 prompts in 514 s) for the
# build-time estimate of large vocabularies.
_PROMPTS_PER_S = dict(cpu=150, gpu=10000)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f'{seconds:.0f} s'
    if seconds < 5400:
        return f'{seconds / 60:.0f} min'
    return f'{seconds / 3600:.1f} h'


def _first_difference(a: Sequence[str], b: Sequence[str]) -> str:
    if len(a) != len(b):
        return f'{len(a)} stored vs {len(b)} expected names'
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f'entry {i}: stored {x!r} vs expected {y!r}'
    return 'no difference'


@MODELS.register_module()
class TextualSemanticsBank(BaseModule):
    """Textual Semantics Bank (TSB): one CLIP text embedding per class.

    For each class name every template is filled in, encoded by the CLIP text
    tower and L2-normalised; the template embeddings are averaged and the
    mean is L2-normalised again (method §1.2). The columns form the fp32
    buffer ``bank`` of shape (D, C), which checkpoints carry.

    The bank is empty until :meth:`build` fills it (or a checkpoint is
    loaded). With ``cache_dir`` set, :meth:`build` reuses a bank saved for
    the same text weights, prompts and class list instead of running the
    text tower.

    Args:
        vocab (str | Sequence[str]): A shipped vocabulary key (``'imagenet'``,
            ``'caltech256'``, ``'coco'``, ``'lvis'``/``'lvis_v1'``,
            ``'ade20k'``, ``'cityscapes'``), a path to a text file with one
            class name per line, or a list of names. Names are normalised
            (see :func:`lgd_mm.vocabularies.normalize_class_name`).
            Defaults to 'imagenet'.
        templates (str | Sequence[str | Callable]): ``'openai_imagenet'``
            (the 80 OpenAI ImageNet prompts), ``'simple'`` (7 prompts) or a
            list of format strings with ``{}``. Defaults to
            'openai_imagenet'.
        cache_dir (str, optional): Folder for cached banks
            (``tsb-<vocab>-<key[:16]>.pth``). None disables caching.
            Defaults to None.
        on_mismatch (str): What to do when the cache file for this key holds
            a different key or class list (corruption, collision, editing):
            ``'rebuild'`` warns and overwrites it, ``'error'`` raises.
            Defaults to 'rebuild'.
        batch_size (int): Prompts per ``encode_text`` call. Defaults to 256.
        allow_large_vocab (bool): Accept a vocabulary of more than
            :attr:`large_vocab_size` names (its bank takes long to build;
            the estimate is logged). Defaults to False.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """
    # Show a progress bar above this many classes (small test banks stay
    # quiet; ImageNet's 80k prompts take minutes on a CPU).
    progress_min_classes = 50
    # More names than this need allow_large_vocab=True: a mistyped file
    # (e.g. a caption list) would otherwise cost hours of text encoding.
    large_vocab_size = 5000

    def __init__(self,
                 vocab: Union[str, Sequence[str]] = 'imagenet',
                 templates: Union[str, Sequence] = 'openai_imagenet',
                 cache_dir: Optional[str] = None,
                 on_mismatch: str = 'rebuild',
                 batch_size: int = 256,
                 allow_large_vocab: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if on_mismatch not in ('rebuild', 'error'):
            raise ValueError(f'on_mismatch must be "rebuild" or "error", '
                             f'got {on_mismatch!r}')
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f'batch_size must be a positive int, got '
                             f'{batch_size!r}')
        self._class_names = load_vocabulary(vocab)
        self.vocab_name, vocab_desc = self._describe_vocab(vocab)
        self.templates = resolve_templates(templates)
        self.cache_dir = cache_dir
        self.on_mismatch = on_mismatch
        self.batch_size = batch_size
        self._vocab_hash = vocabulary_hash(self._class_names)
        self._check_size(vocab_desc, allow_large_vocab)
        self.meta = dict(
            vocab=vocab_desc,
            vocab_hash=self._vocab_hash,
            num_classes=len(self._class_names),
            templates=templates if isinstance(templates, str) else 'custom',
            num_templates=len(self.templates))
        # Empty until built; build() and checkpoint loading give it (D, C).
        self.register_buffer('bank', torch.zeros(0, 0), persistent=True)

    def _check_size(self, vocab_desc: str, allow: bool) -> None:
        """Refuse (or log) a vocabulary over :attr:`large_vocab_size`."""
        num = len(self._class_names)
        if num <= self.large_vocab_size:
            return
        prompts = num * len(self.templates)
        estimate = (
            f'{num} names x {len(self.templates)} templates = {prompts:,} '
            'prompts to encode, roughly '
            f'{_duration(prompts / _PROMPTS_PER_S["cpu"])} on a CPU or '
            f'{_duration(prompts / _PROMPTS_PER_S["gpu"])} on a GPU '
            '(once per cache_dir)')
        if not allow:
            raise ValueError(
                f'vocabulary {vocab_desc} has {num} class names, more than '
                f'the {self.large_vocab_size} accepted without confirmation '
                f'({estimate}). Is it the right file? If so, set '
                'model.text_bank.allow_large_vocab=True.')
        print_log(
            f'text bank: large vocabulary {vocab_desc}: {estimate}',
            logger='current')

    @staticmethod
    def _describe_vocab(vocab) -> tuple:
        """(label for cache file names, description for metadata)."""
        if not isinstance(vocab, str):
            return 'custom', 'custom'
        try:
            key = resolve_vocabulary_key(vocab)
            return key, key
        except KeyError:
            stem = osp.splitext(osp.basename(vocab))[0]
            label = re.sub(r'[^A-Za-z0-9_.-]+', '_', stem) or 'custom'
            return label, osp.abspath(osp.expanduser(vocab))

    @property
    def class_names(self) -> List[str]:
        """Normalised class names, in column order."""
        return list(self._class_names)

    @property
    def num_classes(self) -> int:
        """C, the number of columns."""
        return len(self._class_names)

    @property
    def embed_dim(self) -> Optional[int]:
        """D, the embedding size; None before the bank is built."""
        return self.bank.shape[0] if self.is_built else None

    @property
    def vocab_hash(self) -> str:
        """sha256 of the normalised class list."""
        return self._vocab_hash

    @property
    def is_built(self) -> bool:
        """Whether ``bank`` holds embeddings."""
        return self.bank.numel() > 0

    def rendered_templates(self, name: str = _PROBE_NAME) -> List[str]:
        """Every template filled with ``name``."""
        return [fill_template(t, name) for t in self.templates]

    def cache_key(self, clip_model: nn.Module, tokenizer: Callable,
                  model_name: str) -> str:
        """sha256 identifying the bank this model would build.

        Covers the model name, the text tower's weights and structure, the
        tokenizer (via the tokens of the probe prompts), the prompt wording
        and the class list.
        """
        probe = self.rendered_templates()
        tokens = torch.as_tensor(tokenizer(probe)).cpu().contiguous()
        payload = dict(
            format=_CACHE_FORMAT,
            model_name=model_name,
            text_weights=module_fingerprint(
                _TensorBag(text_tower_state(clip_model))),
            text_arch=hashlib.sha256(
                text_tower_arch(clip_model).encode()).hexdigest(),
            tokens=hashlib.sha256(
                f'{tuple(tokens.shape)}{tokens.dtype}'.encode() +
                tokens.numpy().tobytes()).hexdigest(),
            templates=probe,
            class_names=self._class_names)
        return hashlib.sha256(json.dumps(payload,
                                         sort_keys=True).encode()).hexdigest()

    def cache_path(self, key: str) -> str:
        """Cache file for ``key`` in ``cache_dir``."""
        if self.cache_dir is None:
            raise ValueError('cache_dir is not set')
        return osp.join(
            osp.expanduser(self.cache_dir),
            f'tsb-{self.vocab_name}-{key[:16]}.pth')

    def build(
            self,
            clip_model: nn.Module,
            tokenizer: Callable,
            model_name: str,
            device: Optional[Union[str, torch.device]] = None) -> torch.Tensor:
        """Fill ``bank`` from a CLIP text tower, or from the cache.

        In a distributed job only rank 0 loads or encodes the bank (and
        writes the cache); the other ranks receive it by broadcast, so the
        bank is built once per job and no shared file system is needed.
        One log line says where the bank came from.

        The model is used in eval mode under ``inference_mode`` (its
        train/eval flag and device are restored afterwards) and no
        reference to it is kept, so the caller can free the text tower
        right after.

        Args:
            clip_model (nn.Module): open_clip model with ``encode_text``.
            tokenizer (Callable): open_clip tokenizer of that model.
            model_name (str): open_clip architecture name (part of the key).
            device (str | torch.device, optional): Where to encode. The model
                is moved there for the encode. Defaults to the device of
                the model's parameters.

        Returns:
            Tensor: The (D, C) fp32 bank (also stored in ``self.bank``).
        """
        key = self.cache_key(clip_model, tokenizer, model_name)
        self.meta.update(model_name=model_name, cache_key=key)
        rank, world = get_dist_info()
        if world == 1:
            return self._set_bank(
                self._load_or_encode(clip_model, tokenizer, model_name, key,
                                     device))
        payload = [None]
        if rank == 0:
            bank = self._load_or_encode(clip_model, tokenizer, model_name, key,
                                        device)
            payload = [(bank, {
                k: self.meta[k]
                for k in ('cache_file', 'from_cache') if k in self.meta
            })]
        broadcast_object_list(payload, src=0)
        bank, meta = payload[0]
        if rank != 0:
            self.meta.update(meta)
            print_log(
                f'text bank {self.vocab_name}: received from rank 0',
                logger='current')
        return self._set_bank(bank)

    def _load_or_encode(self, clip_model, tokenizer, model_name: str, key: str,
                        device) -> torch.Tensor:
        """The bank from the cache, else encoded (and cached); logs which."""
        path = None
        if self.cache_dir is not None:
            path = self.cache_path(key)
            bank = self._load_cache(path, key)
            if bank is not None:
                self.meta.update(cache_file=path, from_cache=True)
                print_log(
                    f'text bank {self.vocab_name}: loaded from {path}',
                    logger='current')
                return bank
        start = time.perf_counter()
        bank = self._encode(clip_model, tokenizer, device)
        seconds = time.perf_counter() - start
        target = 'not cached (cache_dir is None)'
        if path is not None:
            if self._save_cache(path, key, bank, model_name):
                self.meta['cache_file'] = path
                target = path
            else:
                target = 'not cached (write failed)'
        self.meta['from_cache'] = False
        print_log(
            f'text bank {self.vocab_name}: built in {seconds:.1f} s '
            f'({self.num_classes} classes x {len(self.templates)} '
            f'templates on {self.meta["encode_device"]}, '
            f'{self.meta["encode_context"]}) -> {target}',
            logger='current')
        return bank

    def _set_bank(self, bank: torch.Tensor) -> torch.Tensor:
        # Assigning to a registered buffer name keeps it a persistent
        # buffer; the bank follows the module's device.
        self.bank = bank.detach().to(
            device=self.bank.device, dtype=torch.float32).contiguous()
        return self.bank

    def _prompt_chunks(self, clip_model, tokenizer):
        """(class index, tokens) per chunk of prompts, rows sorted by
        length, so that trimmed batches carry little padding."""
        names, templates = self._class_names, self.templates
        num_t = len(templates)
        total = len(names) * num_t
        # Tokenize a bounded number of prompts at a time (a 50k-name
        # vocabulary has 4M prompts).
        chunk = self.batch_size * 32
        for start in range(0, total, chunk):
            idx = range(start, min(start + chunk, total))
            prompts = [
                fill_template(templates[i % num_t], names[i // num_t])
                for i in idx
            ]
            tokens = torch.as_tensor(tokenizer(prompts))
            cls = torch.tensor([i // num_t for i in idx])
            order = torch.argsort(
                pooled_positions(clip_model, tokens), stable=True)
            yield cls[order], tokens[order]

    def _check_trim(self, clip_model, tokens: torch.Tensor) -> bool:
        """Whether the trimmed encode equals the full one on ``tokens``."""
        reason = trim_unsupported_reason(clip_model)
        if reason is None:
            full = F.normalize(clip_model.encode_text(tokens).float(), dim=-1)
            cut = F.normalize(encode_text(clip_model, tokens).float(), dim=-1)
            diff = (full - cut).abs().max().item()
            if diff <= _TRIM_TOLERANCE:
                return True
            reason = (f'trimmed and full-context features differ by '
                      f'{diff:.1e} > {_TRIM_TOLERANCE:.0e}')
        print_log(
            f'text bank {self.vocab_name}: encoding the full context '
            f'({reason})',
            logger='current',
            level=logging.WARNING)
        return False

    def _encode(self, clip_model, tokenizer, device) -> torch.Tensor:
        param = next(clip_model.parameters(), None)
        home = param.device if param is not None else torch.device('cpu')
        device = torch.device(device) if device is not None else home
        was_training = clip_model.training
        # Moves happen outside inference mode: parameters created inside it
        # could not be loaded into or trained later.
        if device != home:
            clip_model.to(device)
        clip_model.eval()
        try:
            with torch.inference_mode():
                sums, trim = self._encode_prompts(clip_model, tokenizer,
                                                  device)
        finally:
            clip_model.train(was_training)
            if device != home:
                clip_model.to(home)
        self.meta.update(
            encode_device=str(device),
            encode_context='trimmed context' if trim else 'full context')
        mean = F.normalize(sums / len(self.templates), dim=-1)
        return mean.t().contiguous().cpu()

    def _encode_prompts(self, clip_model, tokenizer, device) -> tuple:
        """(per-class sums of normalised prompt features, trimmed?)."""
        num_batches = math.ceil(self.num_classes * len(self.templates) /
                                self.batch_size)
        bar = (
            ProgressBar(num_batches)
            if self.num_classes > self.progress_min_classes else None)
        sums, trim = None, None
        for cls_chunk, tok_chunk in self._prompt_chunks(clip_model, tokenizer):
            if trim is None:
                # Checked once, on the longest prompts of the first chunk.
                trim = self._check_trim(clip_model, tok_chunk[-4:].to(device))
            for start in range(0, len(tok_chunk), self.batch_size):
                tokens = tok_chunk[start:start + self.batch_size].to(device)
                cls = cls_chunk[start:start + self.batch_size].to(device)
                emb = encode_text(clip_model, tokens, trim=trim)
                if emb.dim() != 2 or emb.shape[0] != len(tokens):
                    raise RuntimeError(
                        f'encode_text returned shape {tuple(emb.shape)} '
                        f'for {len(tokens)} prompts; expected (N, D)')
                # Normalise each prompt in fp32 before averaging (§1.2).
                emb = F.normalize(emb.float(), dim=-1)
                if sums is None:
                    sums = emb.new_zeros(self.num_classes, emb.shape[1])
                sums.index_add_(0, cls, emb)
                if bar is not None:
                    bar.update()
        if bar is not None:
            # ProgressBar leaves the cursor on its line.
            print(flush=True)
        return sums, trim

    def _load_cache(self, path: str, key: str) -> Optional[torch.Tensor]:
        """The cached bank at ``path`` if it is the one for ``key``."""
        if not osp.exists(path):
            return None
        problem = None
        try:
            blob = torch.load(path, map_location='cpu', weights_only=True)
        except Exception as e:  # unreadable or unsafe pickle
            blob, problem = None, f'unreadable ({type(e).__name__}: {e})'
        if problem is None:
            problem = self._check_cache_blob(blob, key)
        if problem is None:
            return blob['bank'].float()
        msg = (f'text bank cache {path} does not match this bank: {problem}')
        if self.on_mismatch == 'error':
            raise RuntimeError(msg + '; delete the file or use '
                               "on_mismatch='rebuild'")
        warnings.warn(msg + '; rebuilding and overwriting it')
        return None

    def _check_cache_blob(self, blob, key: str) -> Optional[str]:
        """What is wrong with a loaded cache file (None if nothing)."""
        if not isinstance(blob, dict) or not {'bank', 'key', 'class_names'
                                              } <= set(blob):
            return 'not a text bank cache (missing bank/key/class_names)'
        if blob['key'] != key:
            return (f'stored key {str(blob["key"])[:16]}... differs from '
                    f'expected {key[:16]}...')
        if list(blob['class_names']) != self._class_names:
            return 'class names differ (' + _first_difference(
                list(blob['class_names']), self._class_names) + ')'
        bank = blob['bank']
        if (not torch.is_tensor(bank) or bank.dim() != 2
                or bank.shape[1] != self.num_classes
                or not torch.isfinite(bank).all()):
            shape = tuple(bank.shape) if torch.is_tensor(bank) else None
            return (f'stored bank has shape {shape} or non-finite values; '
                    f'expected (D, {self.num_classes})')
        return None

    def _save_cache(self, path: str, key: str, bank: torch.Tensor,
                    model_name: str) -> bool:
        """Write the cache; False (with a warning) when the disk refuses.

        The cache is optional: a full disk or a read-only folder must not
        stop a run whose bank is already in memory.
        """
        # Write then rename: concurrent builders (e.g. several ranks) and
        # crashes never expose a half-written file.
        try:
            atomic_torch_save(
                dict(
                    bank=bank.detach().float().cpu().clone(),
                    key=key,
                    class_names=list(self._class_names),
                    model_name=model_name,
                    vocab=self.meta['vocab'],
                    vocab_hash=self._vocab_hash), path)
        except OSError as e:
            warnings.warn(f'could not write the text bank cache {path} '
                          f'({type(e).__name__}: {e}); continuing without '
                          'caching')
            return False
        return True

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        # An unbuilt bank takes the checkpoint's (D, C), so evaluation and
        # resuming restore L without loading the text tower again.
        incoming = state_dict.get(prefix + 'bank')
        if (torch.is_tensor(incoming) and not self.is_built
                and incoming.dim() == 2 and incoming.numel() > 0):
            if incoming.shape[1] != self.num_classes:
                error_msgs.append(
                    f'{prefix}bank: checkpoint has {incoming.shape[1]} '
                    f'classes, vocabulary "{self.meta["vocab"]}" has '
                    f'{self.num_classes}')
            else:
                self.bank = self.bank.new_zeros(incoming.shape)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def extra_repr(self) -> str:
        shape = tuple(self.bank.shape) if self.is_built else 'unbuilt'
        return (f'vocab={self.meta["vocab"]!r}, num_classes='
                f'{self.num_classes}, templates={self.meta["templates"]!r} '
                f'(x{len(self.templates)}), bank={shape}')
