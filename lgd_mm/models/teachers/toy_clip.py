"""A toy CLIP teacher trained contrastively on ToyWorld (offline default).

The teacher of the offline default is a real CLIP, only small: the open_clip
architecture ``lgd-toy-rn`` (``model_configs/lgd-toy-rn.json``: a
ModifiedResNet image tower with RN50's structure, one bottleneck per stage,
64 px input, and a 2-layer QuickGELU text transformer) trained with
open_clip's own :class:`open_clip.ClipLoss` on the ToyWorld class-folder
images and their captions. It is saved as a plain open_clip ``state_dict``,
so ``CLIPTeacher(model_name='lgd-toy-rn', pretrained=path)`` and
``open_clip.create_model('lgd-toy-rn', pretrained=path)`` load it (under
``weights_only=True``) like any other CLIP checkpoint.

Choices, measured on the 'default' preset (10 epochs, seed 0: zero-shot
top-1 on val with the 80-template text bank is 94.8 %, ~50 s on 2 cores):

* **Text.** Each image is paired with its generator caption ("a striped red
  star on a noisy background.") or, with probability ``prompt_prob`` = 0.5,
  with one of the 80 OpenAI ImageNet templates filled with its class name
  ("a sculpture of a red star."), redrawn every epoch, so the text tower
  sees the prompts the Textual Semantics Bank encodes (method §1.2).
  Captions alone give 94.4 %: a small gain, kept because the bank is built
  from the templates only.
* **Class-disjoint groups.** With 16 classes a random batch of 64 holds ~4
  images per class whose captions all name it, i.e. false negatives. Batches
  are therefore made of groups holding one image of every class, and the
  CLIP loss is computed within each group and averaged (random batches:
  92.7 %).
* **Residual init.** open_clip zero-initialises the last BN of every
  bottleneck (good for deep towers and long schedules); in this 4-block
  tower that delays learning *shape* (colour is learnt at once) by several
  epochs, so those gains start at one (``zero_init_residual=True``: 84.4 %).
* **Inputs** are RGB 0-255 normalised with the CLIP mean/std of the LGD data
  preprocessor (method §2), which equals open_clip's OPENAI_DATASET_MEAN/STD
  on 0-1 images. Augmentation is light: a random resized crop keeping 70-100
  % of the area and a horizontal flip, batched on tensors.

:func:`get_toy_teacher` returns a cached checkpoint for the same data, model
config, training settings, seed and code version, and trains one otherwise;
a JSON sidecar next to it records the zero-shot top-1 on ToyWorld val and
the training time.
"""
import csv
import hashlib
import json
import math
import os
import os.path as osp
import time
from typing import Callable, Dict, List, Optional, Sequence

import cv2
import numpy as np
import open_clip
import torch
import torch.nn.functional as F
from open_clip.modified_resnet import Bottleneck
from torch import nn

from .clip import CLIPTeacher
from .factory import _CONFIG_DIR, create_clip_model

__all__ = [
    'TOY_CLIP_MODEL', 'TOY_CLIP_DEFAULTS', 'load_toyworld_captions',
    'train_toy_clip', 'toy_clip_zero_shot', 'build_toy_teacher',
    'sidecar_path', 'toy_clip_cache_key', 'get_toy_teacher'
]

TOY_CLIP_MODEL = 'lgd-toy-rn'
# Bump when training or evaluation code changes what a checkpoint holds,
# so teachers cached by older code are not reused.
TOY_CLIP_CODE_VERSION = 1
#: Training settings of the toy teacher (see the module docstring).
TOY_CLIP_DEFAULTS = dict(
    epochs=10,
    batch_size=64,
    lr=1e-3,
    weight_decay=0.1,
    warmup_epochs=1,
    prompt_prob=0.5,
    crop_scale=(0.7, 1.0),
    class_disjoint=True,
    zero_init_residual=False)
# CLIP normalisation on 0-255 RGB, as in the LGD data preprocessor.
CLIP_MEAN = (122.771, 116.746, 104.094)
CLIP_STD = (68.501, 66.632, 70.323)


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_toyworld_captions(data_root: str,
                           split: str = 'train') -> Dict[str, object]:
    """Images, captions and labels of a ToyWorld class-folder split.

    Args:
        data_root (str): ToyWorld root (holds ``classnames.txt`` and
            ``cls/captions_{split}.tsv``).
        split (str): ``'train'`` or ``'val'``.

    Returns:
        dict: ``images`` (uint8 tensor N x 3 x H x W, RGB), ``captions``
        (list of str), ``labels`` (int64 tensor N) and ``class_names``.
    """
    names_file = osp.join(data_root, 'classnames.txt')
    tsv = osp.join(data_root, 'cls', f'captions_{split}.tsv')
    for path in (names_file, tsv):
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} not found; is {data_root} a ToyWorld root '
                '(tools/toyworld.py --out ...)?')
    with open(names_file, encoding='utf-8') as f:
        class_names = [line.strip() for line in f if line.strip()]
    # class folders are the names with spaces as underscores
    folder_to_label = {
        n.replace(' ', '_'): i
        for i, n in enumerate(class_names)
    }
    images, captions, labels = [], [], []
    with open(tsv, encoding='utf-8', newline='') as f:
        for row in csv.DictReader(f, delimiter='\t'):
            rel = row['filepath']
            # cv2 is also what mmcv's LoadImageFromFile decodes with
            img = cv2.imread(osp.join(data_root, 'cls', rel), cv2.IMREAD_COLOR)
            if img is None:
                raise FileNotFoundError(f'cannot read image {rel} of {tsv}')
            images.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            captions.append(row['caption'])
            labels.append(folder_to_label[rel.split('/')[-2]])
    if not images:
        raise ValueError(f'{tsv} lists no images')
    return dict(
        images=torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2),
        captions=captions,
        labels=torch.tensor(labels),
        class_names=class_names)


def _normalise(images: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    return (images.float() - mean) / std


def _augment(images: torch.Tensor, crop_scale: Sequence[float],
             gen: torch.Generator) -> torch.Tensor:
    """Random resized crop (area ``crop_scale``, aspect 3/4-4/3) and
    horizontal flip of a float batch, as one ``grid_sample``."""
    n = images.shape[0]
    lo, hi = crop_scale
    area = lo + (hi - lo) * torch.rand(n, generator=gen)
    ratio = torch.exp(
        math.log(3 / 4) + math.log(16 / 9) * torch.rand(n, generator=gen))
    w = torch.sqrt(area * ratio).clamp(max=1.)
    h = torch.sqrt(area / ratio).clamp(max=1.)
    # centres in grid coordinates [-1, 1] that keep the crop inside
    cx = (1 - w) * (2 * torch.rand(n, generator=gen) - 1)
    cy = (1 - h) * (2 * torch.rand(n, generator=gen) - 1)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1., 1.)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = w * flip
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(
        images, grid, padding_mode='border', align_corners=False)


def _class_disjoint_order(labels: torch.Tensor, num_classes: int,
                          gen: torch.Generator) -> torch.Tensor:
    """A permutation made of consecutive groups with one sample per class.

    Classes with more samples than the smallest one lose a random surplus
    for this epoch.
    """
    per_class = [
        torch.nonzero(labels == c).flatten() for c in range(num_classes)
    ]
    n = min(len(idx) for idx in per_class)
    if n == 0:
        raise ValueError('class-disjoint batches need every class in the '
                         'training split')
    groups = torch.stack([
        idx[torch.randperm(len(idx), generator=gen)[:n]] for idx in per_class
    ], 1)
    return groups[torch.randperm(n, generator=gen)].flatten()


def _param_groups(model: nn.Module, weight_decay: float) -> List[dict]:
    # open_clip's training rule: no decay on gains, biases and logit scale
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.ndim < 2 or 'bn' in name or 'ln' in name or 'bias' in name \
                or 'logit_scale' in name:
            no_decay.append(p)
        else:
            decay.append(p)
    return [
        dict(params=decay, weight_decay=weight_decay),
        dict(params=no_decay, weight_decay=0.)
    ]


def _cosine_lr(step: int, total: int, warmup: int, peak: float) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * peak * (1 + math.cos(math.pi * progress))


def train_toy_clip(
        data_root: str,
        out_path: Optional[str] = None,
        epochs: int = TOY_CLIP_DEFAULTS['epochs'],
        batch_size: int = TOY_CLIP_DEFAULTS['batch_size'],
        seed: int = 0,
        lr: float = TOY_CLIP_DEFAULTS['lr'],
        weight_decay: float = TOY_CLIP_DEFAULTS['weight_decay'],
        warmup_epochs: float = TOY_CLIP_DEFAULTS['warmup_epochs'],
        prompt_prob: float = TOY_CLIP_DEFAULTS['prompt_prob'],
        crop_scale: Sequence[float] = TOY_CLIP_DEFAULTS['crop_scale'],
        class_disjoint: bool = TOY_CLIP_DEFAULTS['class_disjoint'],
        zero_init_residual: bool = TOY_CLIP_DEFAULTS['zero_init_residual'],
        model_name: str = TOY_CLIP_MODEL,
        num_threads: Optional[int] = None,
        log: Optional[Callable[[str], None]] = print) -> Dict:
    """Train an open_clip model contrastively on ToyWorld image-text pairs.

    AdamW (open_clip's betas and decay rule) with a linear warm-up and a
    per-step cosine decay; :class:`open_clip.ClipLoss` on L2-normalised
    features with the learnable logit scale, clamped at 100 as in open_clip.
    The caller's torch RNG state and thread count are restored afterwards.

    Args:
        data_root (str): ToyWorld root (``tools/toyworld.py --out``).
        out_path (str, optional): Where to ``torch.save`` the trained
            ``state_dict``. None keeps the model in memory only.
        epochs (int): Passes over the train split.
        batch_size (int): Image-text pairs per step; the last partial batch
            of an epoch is dropped. With ``class_disjoint`` a multiple of
            the number of classes.
        seed (int): Seed of initialisation, order, augmentation and prompts.
        lr (float): Peak learning rate.
        weight_decay (float): Weight decay of weight matrices.
        warmup_epochs (float): Linear warm-up length in epochs.
        prompt_prob (float): Probability of pairing an image with a random
            OpenAI template filled with its class name instead of its
            caption.
        crop_scale (Sequence[float]): Area range of the random crop.
        class_disjoint (bool): Contrast within groups holding one image per
            class (no false negatives) instead of within the whole batch.
        zero_init_residual (bool): Keep open_clip's zero init of the last
            BN of each bottleneck.
        model_name (str): open_clip architecture. Defaults to 'lgd-toy-rn'.
        num_threads (int, optional): torch CPU threads while training;
            defaults to the CPUs this process may use.
        log (Callable, optional): Receives one line per epoch; None is
            silent.

    Returns:
        dict: ``model`` (the trained open_clip model in eval mode),
        ``epoch_losses`` (mean loss per epoch), ``train_time_s`` and
        ``out_path``.
    """
    if epochs < 1 or batch_size < 2:
        raise ValueError(f'need epochs >= 1 and batch_size >= 2, got '
                         f'{epochs} and {batch_size}')
    data = load_toyworld_captions(data_root, 'train')
    num_classes = len(data['class_names'])
    if class_disjoint and batch_size % num_classes:
        raise ValueError(f'batch_size {batch_size} must be a multiple of the '
                         f'{num_classes} classes with class_disjoint=True')
    num = len(data['captions'])
    if class_disjoint:
        num = num_classes * int(torch.bincount(data['labels']).min())
    steps_per_epoch = num // batch_size
    if steps_per_epoch < 1:
        raise ValueError(f'batch_size {batch_size} exceeds the {num} usable '
                         f'training pairs of {data_root}')
    old_threads = torch.get_num_threads()
    torch.set_num_threads(num_threads or _available_cpus())
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model, tokenizer = create_clip_model(model_name)
            result = _train_loop(model, tokenizer, data, epochs, batch_size,
                                 seed, lr, weight_decay, warmup_epochs,
                                 prompt_prob, crop_scale, class_disjoint,
                                 zero_init_residual, steps_per_epoch, log)
    finally:
        torch.set_num_threads(old_threads)
    model.eval()
    if out_path is not None:
        state = model.state_dict()
        _atomic_write(out_path, lambda tmp: torch.save(state, tmp))
    return dict(result, model=model, out_path=out_path)


def _train_loop(model, tokenizer, data, epochs, batch_size, seed, lr,
                weight_decay, warmup_epochs, prompt_prob, crop_scale,
                class_disjoint, zero_init_residual, steps_per_epoch,
                log) -> Dict:
    gen = torch.Generator().manual_seed(seed)
    model.train()
    if not zero_init_residual:
        for block in model.visual.modules():
            if isinstance(block, Bottleneck):
                nn.init.ones_(block.bn3.weight)
    labels = data['labels']
    num_classes = len(data['class_names'])
    images = _normalise(data['images'])
    # Tokenise every caption and every (class, template) prompt once.
    templates = open_clip.OPENAI_IMAGENET_TEMPLATES
    cap_tokens = tokenizer(data['captions'])
    prompt_tokens = tokenizer([
        t(name) for name in data['class_names'] for t in templates
    ]).view(num_classes, len(templates), -1)
    group = num_classes if class_disjoint else batch_size
    loss_fn = open_clip.ClipLoss()
    optim = torch.optim.AdamW(
        _param_groups(model, weight_decay), lr=lr, betas=(0.9, 0.98), eps=1e-6)
    total = epochs * steps_per_epoch
    warmup = max(1, int(warmup_epochs * steps_per_epoch))
    epoch_losses, step = [], 0
    start = time.perf_counter()
    for epoch in range(epochs):
        order = (
            _class_disjoint_order(labels, num_classes, gen)
            if class_disjoint else torch.randperm(len(labels), generator=gen))
        n = len(labels)
        use_prompt = torch.rand(n, generator=gen) < prompt_prob
        which = torch.randint(len(templates), (n, ), generator=gen)
        tokens = torch.where(use_prompt[:, None], prompt_tokens[labels, which],
                             cap_tokens)
        running = 0.
        for i in range(steps_per_epoch):
            idx = order[i * batch_size:(i + 1) * batch_size]
            for param_group in optim.param_groups:
                param_group['lr'] = _cosine_lr(step, total, warmup, lr)
            img_f = model.encode_image(
                _augment(images[idx], crop_scale, gen), normalize=True)
            txt_f = model.encode_text(tokens[idx], normalize=True)
            scale = model.logit_scale.exp()
            losses = [
                loss_fn(a, b, scale)
                for a, b in zip(img_f.split(group), txt_f.split(group))
            ]
            loss = sum(losses) / len(losses)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            with torch.no_grad():
                model.logit_scale.clamp_(0, math.log(100))
            running += loss.item()
            step += 1
        epoch_losses.append(running / steps_per_epoch)
        if log is not None:
            log(f'[toy CLIP] epoch {epoch + 1}/{epochs} loss '
                f'{epoch_losses[-1]:.4f} '
                f'({time.perf_counter() - start:.0f} s)')
    return dict(
        epoch_losses=epoch_losses,
        train_time_s=time.perf_counter() - start,
        num_threads=torch.get_num_threads())


def _atomic_write(path: str, write: Callable[[str], None]) -> None:
    """``write(tmp)`` then rename: a killed run never leaves half a file."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    write(tmp)
    os.replace(tmp, path)


def _dump_json(obj: Dict, path: str) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2)


@torch.no_grad()
def toy_clip_zero_shot(checkpoint: Optional[str],
                       data_root: str,
                       split: str = 'val',
                       model_name: str = TOY_CLIP_MODEL,
                       templates: str = 'openai_imagenet',
                       batch_size: int = 256) -> float:
    """Zero-shot top-1 (%) of a CLIP checkpoint on a ToyWorld split.

    Uses LGD's own code path: :class:`CLIPTeacher` embeds the CLIP-normalised
    images and :class:`TextualSemanticsBank` builds the prompt-ensemble bank
    of ``classnames.txt``.

    Args:
        checkpoint (str, optional): open_clip checkpoint; None is random
            init.
        data_root (str): ToyWorld root.
        split (str): ``'val'`` or ``'train'``.
        model_name (str): open_clip architecture.
        templates (str): Template set of the text bank.
        batch_size (int): Images per forward.

    Returns:
        float: Top-1 accuracy in percent.
    """
    # imported here: the banks package imports this teachers package
    from lgd_mm.models.banks import TextualSemanticsBank
    teacher = CLIPTeacher(model_name=model_name, pretrained=checkpoint)
    bank = TextualSemanticsBank(
        vocab=osp.join(data_root, 'classnames.txt'), templates=templates)
    teacher.build_text_bank(bank)
    data = load_toyworld_captions(data_root, split)
    if bank.class_names != data['class_names']:
        raise ValueError(f'text bank classes {bank.class_names} differ from '
                         f'the split classes {data["class_names"]}')
    correct = 0
    for start in range(0, len(data['labels']), batch_size):
        z = teacher(_normalise(data['images'][start:start + batch_size]))
        pred = (z @ bank.bank).argmax(dim=1)
        correct += int(
            (pred == data['labels'][start:start + batch_size]).sum())
    return 100. * correct / len(data['labels'])


def sidecar_path(checkpoint: str) -> str:
    """The JSON file next to a toy teacher checkpoint."""
    return osp.splitext(checkpoint)[0] + '.json'


def build_toy_teacher(data_root: str,
                      out_path: str,
                      seed: int = 0,
                      log: Optional[Callable[[str], None]] = print,
                      **train_cfg) -> Dict:
    """Train, save and evaluate a toy teacher; write its JSON sidecar.

    Args:
        data_root (str): ToyWorld root.
        out_path (str): Checkpoint file; the sidecar is ``<stem>.json``.
        seed (int): Training seed.
        log (Callable, optional): Progress lines; None is silent.
        **train_cfg: Overrides of :data:`TOY_CLIP_DEFAULTS` (and
            ``num_threads``).

    Returns:
        dict: The sidecar content (settings, per-epoch losses, training
        time, zero-shot top-1 on val).
    """
    result = train_toy_clip(
        data_root, out_path, seed=seed, log=log, **train_cfg)
    top1 = toy_clip_zero_shot(out_path, data_root, 'val')
    train_cfg.pop('num_threads', None)
    cfg = dict(TOY_CLIP_DEFAULTS, **train_cfg)
    meta = dict(
        model_name=TOY_CLIP_MODEL,
        checkpoint=osp.basename(out_path),
        data_root=osp.abspath(data_root),
        seed=seed,
        train_cfg=dict(cfg, crop_scale=list(cfg['crop_scale'])),
        epoch_losses=[round(v, 5) for v in result['epoch_losses']],
        train_time_s=round(result['train_time_s'], 1),
        num_threads=result['num_threads'],
        zero_shot_val_top1=round(top1, 2),
        templates='openai_imagenet',
        code_version=TOY_CLIP_CODE_VERSION)
    _atomic_write(sidecar_path(out_path), lambda tmp: _dump_json(meta, tmp))
    if log is not None:
        log(f'[toy CLIP] zero-shot top-1 on val: {top1:.2f} % '
            f'(training {result["train_time_s"]:.0f} s)')
    return meta


def toy_clip_cache_key(data_root: str,
                       seed: int = 0,
                       model_name: str = TOY_CLIP_MODEL,
                       **train_cfg) -> str:
    """sha256 naming the toy teacher these inputs would train.

    Covers the ToyWorld summary (``toyworld.json``: generator version, seed,
    preset, parameters, counts), the architecture config, the training
    settings, the seed and the code version.
    """
    summary_file = osp.join(data_root, 'toyworld.json')
    if not osp.isfile(summary_file):
        raise FileNotFoundError(
            f'{summary_file} not found; generate ToyWorld first')
    with open(summary_file, encoding='utf-8') as f:
        summary = json.load(f)
    with open(
            osp.join(_CONFIG_DIR, f'{model_name}.json'),
            encoding='utf-8') as f:
        arch = json.load(f)
    cfg = dict(TOY_CLIP_DEFAULTS, **train_cfg)
    cfg['crop_scale'] = list(cfg['crop_scale'])
    payload = dict(
        code=TOY_CLIP_CODE_VERSION,
        data=summary,
        model_name=model_name,
        arch=arch,
        train=cfg,
        seed=seed)
    return hashlib.sha256(json.dumps(payload,
                                     sort_keys=True).encode()).hexdigest()


def get_toy_teacher(data_root: str,
                    cache_dir: str,
                    seed: int = 0,
                    log: Optional[Callable[[str], None]] = print,
                    **train_cfg) -> str:
    """Path of a trained toy CLIP teacher for ``data_root``, from a cache.

    The first call trains one (:func:`build_toy_teacher`) into
    ``<cache_dir>/lgd-toy-rn-<key[:16]>.pt`` with its ``.json`` sidecar;
    later calls with the same inputs (see :func:`toy_clip_cache_key`) return
    that file without training.

    Args:
        data_root (str): ToyWorld root.
        cache_dir (str): Folder of cached teachers.
        seed (int): Training seed.
        log (Callable, optional): Progress lines; None is silent.
        **train_cfg: Overrides of :data:`TOY_CLIP_DEFAULTS`.
            ``num_threads`` is also accepted and is not part of the key.

    Returns:
        str: The checkpoint path, loadable by
        ``CLIPTeacher(model_name='lgd-toy-rn', pretrained=path)``.
    """
    unknown = set(train_cfg) - set(TOY_CLIP_DEFAULTS) - {'num_threads'}
    if unknown:
        raise TypeError(f'unknown toy CLIP settings {sorted(unknown)}; '
                        f'valid: {sorted(TOY_CLIP_DEFAULTS)}')
    key_cfg = {k: v for k, v in train_cfg.items() if k != 'num_threads'}
    key = toy_clip_cache_key(data_root, seed, **key_cfg)
    path = osp.join(cache_dir, f'{TOY_CLIP_MODEL}-{key[:16]}.pt')
    # the sidecar is written last, so its presence marks a finished file
    if osp.isfile(path) and osp.isfile(sidecar_path(path)):
        if log is not None:
            log(f'[toy CLIP] using the cached teacher {path}')
        return path
    if log is not None:
        log(f'[toy CLIP] training a teacher on {data_root} into {path}')
    build_toy_teacher(data_root, path, seed=seed, log=log, **train_cfg)
    return path
