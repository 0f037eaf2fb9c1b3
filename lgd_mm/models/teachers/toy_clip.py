"""A toy CLIP teacher trained contrastively on ToyWorld (offline default).

The teacher of the offline default is a real CLIP, only small: the open_clip
architecture ``lgd-toy-rn`` (``model_configs/lgd-toy-rn.json``, a
ModifiedResNet image tower like RN50's and a 2-layer text transformer with
QuickGELU) trained with open_clip's own :class:`open_clip.ClipLoss` on the
ToyWorld class-folder images and their captions. It is saved as a plain
open_clip ``state_dict``, so ``CLIPTeacher(model_name='lgd-toy-rn',
pretrained=path)`` and ``open_clip.create_model('lgd-toy-rn',
pretrained=path)`` load it like any other CLIP checkpoint.

Training text. Each image is paired with its generator caption ("a striped
red star on a noisy background.") or, with probability ``prompt_prob``, with
one of the 80 OpenAI ImageNet templates filled with its class name ("a
sculpture of a red star."), drawn afresh every epoch. The templates are what
the Textual Semantics Bank encodes (method §1.2); without them the small text
tower only knows the seven caption patterns and zero-shot accuracy over the
template ensemble drops.

Inputs are RGB 0-255 normalised with the CLIP mean/std of the LGD pipeline
(method §2), which equals open_clip's own OPENAI_DATASET_MEAN/STD on 0-1
images. Augmentation is light (random resized crop keeping most of the
object, horizontal flip), batched on tensors.

:func:`get_toy_teacher` returns a cached checkpoint for the same data, model
config, training settings and code version, and trains one otherwise; a JSON
sidecar next to it records the zero-shot top-1 on ToyWorld val and the
training time.
"""
import csv
import hashlib
import json
import math
import os
import os.path as osp
import time
from typing import Callable, Dict, List, Optional, Tuple

import cv2
import numpy as np
import open_clip
import torch
import torch.nn.functional as F

from .clip import CLIPTeacher
from .factory import _CONFIG_DIR, create_clip_model

__all__ = [
    'TOY_CLIP_MODEL', 'TOY_CLIP_DEFAULTS', 'load_toyworld_captions',
    'train_toy_clip', 'toy_clip_zero_shot', 'toy_clip_cache_key',
    'get_toy_teacher'
]

TOY_CLIP_MODEL = 'lgd-toy-rn'
# Bump when training or evaluation code changes what a checkpoint holds,
# so cached teachers of older code are not reused.
TOY_CLIP_CODE_VERSION = 1
#: Training settings of the shipped toy teacher (see the module docstring).
TOY_CLIP_DEFAULTS = dict(
    epochs=12,
    batch_size=64,
    lr=2e-3,
    weight_decay=0.1,
    warmup_epochs=1,
    prompt_prob=0.5,
    crop_scale=(0.5, 1.0))
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
    folder_to_label = {
        n.replace(' ', '_'): i
        for i, n in enumerate(class_names)
    }
    images, captions, labels = [], [], []
    with open(tsv, encoding='utf-8', newline='') as f:
        for row in csv.DictReader(f, delimiter='\t'):
            rel = row['filepath']
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
    mean = images.new_tensor(CLIP_MEAN).view(1, 3, 1, 1)
    std = images.new_tensor(CLIP_STD).view(1, 3, 1, 1)
    return (images.float() - mean) / std


def _augment(images: torch.Tensor, crop_scale: Tuple[float, float],
             gen: torch.Generator) -> torch.Tensor:
    """Batched random resized crop (area ``crop_scale``, aspect 3/4-4/3)
    and horizontal flip of float images, as one ``grid_sample``."""
    n = images.shape[0]
    lo, hi = crop_scale
    area = lo + (hi - lo) * torch.rand(n, generator=gen)
    log_r = math.log(3 / 4) + math.log(16 / 9) * torch.rand(n, generator=gen)
    ratio = torch.exp(log_r)
    w = torch.sqrt(area * ratio).clamp(max=1.)
    h = torch.sqrt(area / ratio).clamp(max=1.)
    # crop centres in [-1, 1] coordinates keep the crop inside the image
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
        images, grid, mode='bilinear', padding_mode='border',
        align_corners=False)


def _param_groups(model: torch.nn.Module, weight_decay: float) -> List[dict]:
    # open_clip's recipe: no decay on gains, biases, embeddings, logit scale
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.ndim < 2 or 'bn' in name or 'ln' in name or 'embedding' in name \
                or 'logit_scale' in name:
            no_decay.append(p)
        else:
            decay.append(p)
    return [
        dict(params=decay, weight_decay=weight_decay),
        dict(params=no_decay, weight_decay=0.)
    ]


def train_toy_clip(data_root: str,
                   out_path: Optional[str] = None,
                   epochs: int = TOY_CLIP_DEFAULTS['epochs'],
                   batch_size: int = TOY_CLIP_DEFAULTS['batch_size'],
                   seed: int = 0,
                   lr: float = TOY_CLIP_DEFAULTS['lr'],
                   weight_decay: float = TOY_CLIP_DEFAULTS['weight_decay'],
                   warmup_epochs: float = TOY_CLIP_DEFAULTS['warmup_epochs'],
                   prompt_prob: float = TOY_CLIP_DEFAULTS['prompt_prob'],
                   crop_scale: Tuple[float, float] = TOY_CLIP_DEFAULTS[
                       'crop_scale'],
                   model_name: str = TOY_CLIP_MODEL,
                   num_threads: Optional[int] = None,
                   log: Optional[Callable[[str], None]] = print) -> Dict:
    """Train an open_clip model contrastively on ToyWorld image-text pairs.

    AdamW with a linear warm-up and cosine decay per step; open_clip's
    :class:`ClipLoss` on L2-normalised features with its learnable logit
    scale (clamped at 100 as in open_clip).

    Args:
        data_root (str): ToyWorld root (``tools/toyworld.py --out``).
        out_path (str, optional): Where to ``torch.save`` the trained
            ``state_dict``. None keeps it in memory only.
        epochs (int): Passes over the train split.
        batch_size (int): Image-text pairs per step (the last partial batch
            is dropped).
        seed (int): Seed of initialisation, shuffling, augmentation and
            prompt choice.
        lr (float): Peak AdamW learning rate.
        weight_decay (float): AdamW weight decay of weight matrices.
        warmup_epochs (float): Linear warm-up length in epochs.
        prompt_prob (float): Probability of pairing an image with a random
            OpenAI template filled with its class name instead of its
            caption.
        crop_scale (tuple[float, float]): Area range of the random crop.
        model_name (str): open_clip architecture. Defaults to 'lgd-toy-rn'.
        num_threads (int, optional): torch CPU threads while training;
            defaults to the CPUs this process may use.
        log (Callable, optional): Receives one line per epoch; None is
            silent.

    Returns:
        dict: ``model`` (the trained open_clip model, eval mode),
        ``epoch_losses`` (mean loss per epoch), ``train_time_s`` and
        ``out_path``.
    """
    if epochs < 1 or batch_size < 2:
        raise ValueError(f'need epochs >= 1 and batch_size >= 2, got '
                         f'{epochs} and {batch_size}')
    data = load_toyworld_captions(data_root, 'train')
    num = len(data['captions'])
    steps_per_epoch = num // batch_size
    if steps_per_epoch < 1:
        raise ValueError(f'batch_size {batch_size} exceeds the {num} '
                         f'training pairs of {data_root}')
    old_threads = torch.get_num_threads()
    torch.set_num_threads(num_threads or _available_cpus())
    try:
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        model, tokenizer = create_clip_model(model_name)
        model.train()
        # Tokenise every caption and every (template, class) prompt once.
        cap_tokens = tokenizer(data['captions'])
        templates = open_clip.OPENAI_IMAGENET_TEMPLATES
        prompt_tokens = tokenizer([
            t(c) for c in data['class_names'] for t in templates
        ]).view(len(data['class_names']), len(templates), -1)
        images = _normalise(data['images'])
        labels = data['labels']
        loss_fn = open_clip.ClipLoss()
        optim = torch.optim.AdamW(
            _param_groups(model, weight_decay), lr=lr, betas=(0.9, 0.98),
            eps=1e-6)
        total = epochs * steps_per_epoch
        warmup = max(1, int(warmup_epochs * steps_per_epoch))

        def lr_at(step):
            if step < warmup:
                return lr * (step + 1) / warmup
            t = (step - warmup) / max(1, total - warmup)
            return 0.5 * lr * (1 + math.cos(math.pi * t))

        epoch_losses = []
        start = time.perf_counter()
        step = 0
        for epoch in range(epochs):
            order = torch.randperm(num, generator=gen)
            use_prompt = torch.rand(num, generator=gen) < prompt_prob
            which = torch.randint(len(templates), (num, ), generator=gen)
            tokens = torch.where(use_prompt[:, None],
                                 prompt_tokens[labels, which], cap_tokens)
            running = 0.
            for i in range(steps_per_epoch):
                idx = order[i * batch_size:(i + 1) * batch_size]
                for group in optim.param_groups:
                    group['lr'] = lr_at(step)
                x = _augment(images[idx], crop_scale, gen)
                img_f = model.encode_image(x, normalize=True)
                txt_f = model.encode_text(tokens[idx], normalize=True)
                loss = loss_fn(img_f, txt_f, model.logit_scale.exp())
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
                    f'{epoch_losses[-1]:.4f} lr {lr_at(step - 1):.2e} '
                    f'({time.perf_counter() - start:.0f} s)')
        train_time = time.perf_counter() - start
    finally:
        torch.set_num_threads(old_threads)
    model.eval()
    if out_path is not None:
        _atomic_save(model.state_dict(), out_path)
    return dict(
        model=model,
        epoch_losses=epoch_losses,
        train_time_s=train_time,
        out_path=out_path)


def _atomic_save(obj, path: str) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    # write then rename: a killed run never leaves a half-written cache
    tmp = f'{path}.tmp{os.getpid()}'
    torch.save(obj, tmp)
    os.replace(tmp, path)


@torch.no_grad()
def toy_clip_zero_shot(checkpoint: Optional[str],
                       data_root: str,
                       split: str = 'val',
                       model_name: str = TOY_CLIP_MODEL,
                       templates: str = 'openai_imagenet',
                       batch_size: int = 256) -> float:
    """Zero-shot top-1 (%) of a CLIP checkpoint on a ToyWorld split.

    Goes through LGD's own code path: :class:`CLIPTeacher` embeds the
    CLIP-normalised images and :class:`TextualSemanticsBank` builds the
    prompt-ensemble bank of ``classnames.txt``.

    Args:
        checkpoint (str, optional): open_clip checkpoint (None: random init).
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
        raise ValueError('text bank classes differ from classnames.txt')
    correct = 0
    images = data['images']
    for start in range(0, len(images), batch_size):
        z = teacher(_normalise(images[start:start + batch_size]))
        pred = (z @ bank.bank).argmax(dim=1)
        correct += (pred == data['labels'][start:start + batch_size]).sum()
    return 100. * int(correct) / len(images)


def toy_clip_cache_key(data_root: str, seed: int = 0,
                       model_name: str = TOY_CLIP_MODEL,
                       **train_cfg) -> str:
    """sha256 naming the toy teacher that these inputs would train.

    Covers the ToyWorld summary (``toyworld.json``: generator version, seed,
    preset, parameters, counts), the architecture config, the training
    settings, the seed and :data:`TOY_CLIP_CODE_VERSION`.
    """
    summary_file = osp.join(data_root, 'toyworld.json')
    if not osp.isfile(summary_file):
        raise FileNotFoundError(
            f'{summary_file} not found; generate ToyWorld first')
    with open(summary_file, encoding='utf-8') as f:
        summary = json.load(f)
    cfg_file = osp.join(_CONFIG_DIR, f'{model_name}.json')
    with open(cfg_file, encoding='utf-8') as f:
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
    """Path of a trained toy CLIP teacher for ``data_root``, cached.

    The first call trains one (:func:`train_toy_clip`), measures its
    zero-shot top-1 on val and writes ``<cache_dir>/lgd-toy-rn-<key>.pt``
    with a ``.json`` sidecar; later calls with the same inputs (see
    :func:`toy_clip_cache_key`) return that file without training.

    Args:
        data_root (str): ToyWorld root.
        cache_dir (str): Folder of cached teachers.
        seed (int): Training seed.
        log (Callable, optional): Progress lines; None is silent.
        **train_cfg: Overrides of :data:`TOY_CLIP_DEFAULTS`.

    Returns:
        str: The checkpoint path, loadable by
        ``CLIPTeacher(model_name='lgd-toy-rn', pretrained=path)``.
    """
    unknown = set(train_cfg) - set(TOY_CLIP_DEFAULTS)
    if unknown:
        raise TypeError(f'unknown toy CLIP settings {sorted(unknown)}; '
                        f'valid: {sorted(TOY_CLIP_DEFAULTS)}')
    key = toy_clip_cache_key(data_root, seed, **train_cfg)
    path = osp.join(cache_dir, f'{TOY_CLIP_MODEL}-{key[:16]}.pt')
    meta_path = osp.splitext(path)[0] + '.json'
    if osp.isfile(path) and osp.isfile(meta_path):
        if log is not None:
            log(f'[toy CLIP] using cached teacher {path}')
        return path
    if log is not None:
        log(f'[toy CLIP] training a teacher on {data_root} '
            f'(cache {path})')
    result = train_toy_clip(
        data_root, path, seed=seed, log=log, **train_cfg)
    top1 = toy_clip_zero_shot(path, data_root, 'val')
    meta = dict(
        model_name=TOY_CLIP_MODEL,
        cache_key=key,
        seed=seed,
        train_cfg=dict(TOY_CLIP_DEFAULTS, **train_cfg),
        epoch_losses=[round(v, 5) for v in result['epoch_losses']],
        train_time_s=round(result['train_time_s'], 1),
        zero_shot_val_top1=round(top1, 2),
        templates='openai_imagenet',
        code_version=TOY_CLIP_CODE_VERSION)
    tmp = f'{meta_path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=2)
    os.replace(tmp, meta_path)
    if log is not None:
        log(f'[toy CLIP] zero-shot top-1 on val: {top1:.1f} %')
    return path
