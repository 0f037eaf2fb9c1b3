"""A toy CLIP teacher trained contrastively on ToyWorld (offline default).

The teacher of the offline default is a real CLIP, only small: the open_clip
architecture ``lgd-toy-rn`` (``model_configs/lgd-toy-rn.json``: a
ModifiedResNet image tower with RN50's structure, one bottleneck per stage,
64 px input, and a 2-layer QuickGELU text transformer) trained with
open_clip's own ``ClipLoss`` on the ToyWorld class-folder images and their
captions. Training is an mmengine Runner on the config
``configs/toyworld/toy-clip_rn_1xb64-coslr-10e_toyworld.py``
(:class:`~lgd_mm.models.ContrastiveCLIP`,
:class:`~lgd_mm.datasets.ToyWorldCaptionDataset`,
:class:`~lgd_mm.datasets.ClassDisjointSampler`, AdamW with
``paramwise_cfg``, LinearLR + CosineAnnealingLR by iteration); this module
only fills that config in and exports the result as a plain open_clip
``state_dict``, so ``CLIPTeacher(model_name='lgd-toy-rn', pretrained=path)``
and ``open_clip.create_model('lgd-toy-rn', pretrained=path)`` load it (under
``weights_only=True``) like any other CLIP checkpoint.

Choices (measured on the 'default' preset with the hand-written loop this
replaced, 10 epochs, seed 0: zero-shot top-1 on val 94.8 %):

* **Text.** Each image is paired with its generator caption or, with
  probability ``prompt_prob`` = 0.5, with one of the 80 OpenAI ImageNet
  templates filled with its class name, so the text tower sees the prompts
  the Textual Semantics Bank encodes (method §1.2). Captions alone: 94.4 %.
* **Class-disjoint groups.** With 16 classes a random batch of 64 holds ~4
  images per class whose captions all name it, i.e. false negatives. Batches
  are made of groups holding one image of every class and the CLIP loss is
  averaged over groups (random batches: 92.7 %).
* **Residual init.** open_clip zero-initialises the last BN of every
  bottleneck; in this 4-block tower that delays learning *shape* by several
  epochs, so those gains start at one (``zero_init_residual=True``: 84.4 %).
* **Inputs** are RGB 0-255 normalised with the CLIP mean/std of the LGD data
  preprocessor (method §2). Augmentation is light: a random resized crop
  keeping 70-100 % of the area and a horizontal flip.

:func:`get_toy_teacher` returns a cached checkpoint for the same data, model
config, training settings, seed and code version, and trains one otherwise;
a JSON sidecar next to it records the zero-shot top-1 on ToyWorld val and
the training time.
"""
import hashlib
import json
import os
import os.path as osp
import random
import shutil
import tempfile
import time
from typing import Callable, Dict, Optional

import numpy as np
import torch
from mmengine import list_from_file
from mmengine.config import Config

from lgd_mm.utils.checkpoint import safe_torch_load
from lgd_mm.utils.config_paths import config_path
from lgd_mm.utils.fileio import atomic_json_dump, atomic_torch_save
from lgd_mm.utils.normalization import CLIP_NORM
from lgd_mm.datasets import ToyWorldCaptionDataset
from lgd_mm.evaluation import ZeroShotAccuracy
from lgd_mm.models.banks import TextualSemanticsBank
from lgd_mm.models.selfsup.contrastive_clip import clip_state_from_checkpoint
from lgd_mm.models.teachers.clip import CLIPTeacher
from lgd_mm.models.teachers.factory import _CONFIG_DIR

__all__ = [
    'TOY_CLIP_MODEL', 'TOY_CLIP_CONFIG', 'TOY_CLIP_DEFAULTS',
    'toy_clip_config', 'train_toy_clip', 'export_toy_clip',
    'toy_clip_zero_shot', 'build_toy_teacher', 'sidecar_path',
    'toy_clip_cache_key', 'get_toy_teacher'
]

TOY_CLIP_MODEL = 'lgd-toy-rn'
#: The training config, relative to ``configs/``.
TOY_CLIP_CONFIG = ('toyworld', 'toy-clip_rn_1xb64-coslr-10e_toyworld.py')
# Bump when training or evaluation code changes what a checkpoint holds,
# so teachers cached by older code are not reused. 2: trained by the
# Runner (per-sample augmentation and prompt draws from numpy's RNG).
TOY_CLIP_CODE_VERSION = 2
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


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _usable_pairs(cfg: Config, class_disjoint: bool) -> int:
    """Training pairs one epoch can use (whole class groups)."""
    from lgd_mm.registry import DATASETS
    dataset = DATASETS.build(
        dict(cfg.train_dataloader.dataset, pipeline=[], lazy_init=False))
    labels = np.asarray(dataset.get_gt_labels())
    if not class_disjoint:
        return len(labels)
    num_classes = len(dataset.metainfo['classes'])
    counts = np.bincount(labels, minlength=num_classes)
    return num_classes * int(counts.min())


def toy_clip_config(data_root: str,
                    work_dir: str,
                    seed: int = 0,
                    log: bool = True,
                    **train_cfg) -> Config:
    """The Runner config that trains a toy teacher with these settings.

    Fills :data:`TOY_CLIP_CONFIG` in for ``data_root`` and
    :data:`TOY_CLIP_DEFAULTS` (overridden by ``train_cfg``); the schedule
    becomes iteration-based: a linear warm-up ``lr * (i + 1) / W`` over
    ``W = max(1, int(warmup_epochs * steps_per_epoch))`` steps, then cosine
    to 0 at the last step. Validation is left out (:func:`build_toy_teacher`
    evaluates the exported checkpoint).

    Args:
        data_root (str): ToyWorld root.
        work_dir (str): The Runner's work dir.
        seed (int): ``randomness.seed`` (init, order, augmentation,
            prompts).
        log (bool): INFO logging; False logs warnings only.
        **train_cfg: Overrides of :data:`TOY_CLIP_DEFAULTS`.

    Returns:
        Config: Ready for ``Runner.from_cfg``.
    """
    unknown = set(train_cfg) - set(TOY_CLIP_DEFAULTS)
    if unknown:
        raise TypeError(f'unknown toy CLIP settings {sorted(unknown)}; '
                        f'valid: {sorted(TOY_CLIP_DEFAULTS)}')
    s = dict(TOY_CLIP_DEFAULTS, **train_cfg)
    if s['epochs'] < 1 or s['batch_size'] < 2:
        raise ValueError(f'need epochs >= 1 and batch_size >= 2, got '
                         f'{s["epochs"]} and {s["batch_size"]}')
    for path in (osp.join(data_root, 'classnames.txt'),
                 osp.join(data_root, 'cls', 'captions_train.tsv')):
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} not found; is {data_root} a ToyWorld root '
                '(tools/toyworld.py --out ...)?')
    cfg = Config.fromfile(config_path(*TOY_CLIP_CONFIG))
    classnames = osp.join(data_root, 'classnames.txt')
    for key in ('train_dataloader', 'val_dataloader'):
        cfg[key].dataset.data_root = osp.join(data_root, 'cls', '')
        cfg[key].dataset.classes = classnames
    num_classes = len(list_from_file(classnames))
    if s['class_disjoint'] and s['batch_size'] % num_classes:
        raise ValueError(f'batch_size {s["batch_size"]} must be a multiple '
                         f'of the {num_classes} classes with '
                         'class_disjoint=True')
    cfg.model.text_bank.vocab = classnames
    cfg.model.zero_init_residual = s['zero_init_residual']
    cfg.model.contrast_group_size = (
        num_classes if s['class_disjoint'] else None)
    loader = cfg.train_dataloader
    loader.batch_size = s['batch_size']
    loader.sampler = (
        dict(type='ClassDisjointSampler') if s['class_disjoint'] else dict(
            type='DefaultSampler', shuffle=True))
    for t in loader.dataset.pipeline:
        if t['type'] == 'RandomResizedCrop':
            t['crop_ratio_range'] = tuple(s['crop_scale'])
        elif t['type'] == 'RandomClassPrompt':
            t['prob'] = s['prompt_prob']
    steps = _usable_pairs(cfg, s['class_disjoint']) // s['batch_size']
    if steps < 1:
        raise ValueError(f'batch_size {s["batch_size"]} exceeds the usable '
                         f'training pairs of {data_root}')
    total = s['epochs'] * steps
    warmup = min(max(1, int(s['warmup_epochs'] * steps)), total)
    cfg.optim_wrapper.optimizer.update(
        lr=s['lr'], weight_decay=s['weight_decay'])
    cfg.param_scheduler = [
        dict(
            type='LinearLR',
            start_factor=1 / warmup,
            by_epoch=False,
            begin=0,
            end=warmup)
    ]
    if total > warmup:
        cfg.param_scheduler.append(
            dict(
                type='CosineAnnealingLR',
                eta_min=0.,
                by_epoch=False,
                begin=warmup,
                end=total))
    cfg.train_cfg = dict(by_epoch=True, max_epochs=s['epochs'])
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator'):
        cfg[key] = None
    cfg.default_hooks.checkpoint.interval = s['epochs']
    cfg.default_hooks.logger.interval = max(1, steps // 2)
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    cfg.log_level = 'INFO' if log else 'WARNING'
    return cfg


def train_toy_clip(data_root: str,
                   out_path: Optional[str] = None,
                   seed: int = 0,
                   num_threads: Optional[int] = None,
                   log: Optional[Callable[[str], None]] = print,
                   work_dir: Optional[str] = None,
                   **train_cfg) -> Dict:
    """Train an open_clip model contrastively on ToyWorld image-text pairs.

    Builds an mmengine Runner from :func:`toy_clip_config` and trains it.
    The caller's python / numpy / torch RNG states and thread count are
    restored afterwards.

    Args:
        data_root (str): ToyWorld root (``tools/toyworld.py --out``).
        out_path (str, optional): Where to save the trained open_clip
            ``state_dict``. None keeps the model in memory only.
        seed (int): Seed of initialisation, order, augmentation and prompts.
        num_threads (int, optional): torch CPU threads while training;
            defaults to the CPUs this process may use.
        log (Callable, optional): Receives one line per epoch (and the
            Runner logs at INFO); None is silent.
        work_dir (str, optional): The Runner's work dir (logs, the
            ``CheckpointHook`` checkpoint). None uses a temporary folder,
            removed afterwards.
        **train_cfg: Overrides of :data:`TOY_CLIP_DEFAULTS` (``epochs``,
            ``batch_size``, ``lr``, ...).

    Returns:
        dict: ``model`` (the trained open_clip model in eval mode),
        ``epoch_losses`` (mean loss per epoch), ``train_time_s``,
        ``num_threads`` and ``out_path``.
    """
    from mmengine.runner import Runner
    tmp = None
    if work_dir is None:
        work_dir = tmp = tempfile.mkdtemp(prefix='lgd_toy_clip_')
    cfg = toy_clip_config(data_root, work_dir, seed, log is not None,
                          **train_cfg)
    old_threads = torch.get_num_threads()
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        torch.set_num_threads(num_threads or _available_cpus())
        with torch.random.fork_rng(devices=[]):
            runner = Runner.from_cfg(cfg)
            start = time.perf_counter()
            runner.train()
            train_time = time.perf_counter() - start
        threads = torch.get_num_threads()
    finally:
        torch.set_num_threads(old_threads)
        random.setstate(py_state)
        np.random.set_state(np_state)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    model = runner.model
    state = model.open_clip_state_dict()
    model.clip.load_state_dict(state)  # the clamped temperature
    # per-iteration losses, as RuntimeInfoHook recorded them
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    steps = len(losses) // runner.max_epochs
    epoch_losses = [
        float(np.mean(losses[e * steps:(e + 1) * steps]))
        for e in range(runner.max_epochs)
    ]
    if log is not None:
        for e, loss in enumerate(epoch_losses):
            log(f'[toy CLIP] epoch {e + 1}/{runner.max_epochs} loss '
                f'{loss:.4f}')
    if out_path is not None:
        atomic_torch_save(state, out_path)
    return dict(
        model=model.clip.eval(),
        epoch_losses=epoch_losses,
        train_time_s=train_time,
        num_threads=threads,
        out_path=out_path)


def export_toy_clip(checkpoint: str, out_path: str) -> str:
    """Write the open_clip checkpoint of a ``ContrastiveCLIP`` Runner
    checkpoint (e.g. ``tools/train.py`` on the toy CLIP config).

    Args:
        checkpoint (str): An mmengine checkpoint (``epoch_10.pth``).
        out_path (str): The open_clip ``state_dict`` file to write.

    Returns:
        str: ``out_path``.
    """
    ckpt = safe_torch_load(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    return atomic_torch_save(clip_state_from_checkpoint(state), out_path)


@torch.no_grad()
def toy_clip_zero_shot(checkpoint: Optional[str],
                       data_root: str,
                       split: str = 'val',
                       model_name: str = TOY_CLIP_MODEL,
                       templates: str = 'openai_imagenet',
                       batch_size: int = 256) -> float:
    """Zero-shot top-1 (%) of a CLIP checkpoint on a ToyWorld split.

    Uses LGD's own code path: :class:`CLIPTeacher` embeds the CLIP-normalised
    images, :class:`TextualSemanticsBank` builds the prompt-ensemble bank of
    ``classnames.txt`` and :class:`ZeroShotAccuracy` scores the argmax.

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
    teacher = CLIPTeacher(model_name=model_name, pretrained=checkpoint)
    bank = TextualSemanticsBank(
        vocab=osp.join(data_root, 'classnames.txt'), templates=templates)
    teacher.build_text_bank(bank)
    dataset = ToyWorldCaptionDataset(
        data_root=osp.join(data_root, 'cls', ''),
        ann_file=f'captions_{split}.tsv',
        pipeline=[dict(type='LoadImageFromFile')])
    if bank.class_names != list(dataset.metainfo['classes']):
        raise ValueError(f'text bank classes {bank.class_names} differ from '
                         f'the split classes {dataset.metainfo["classes"]}')
    mean = torch.tensor(CLIP_NORM['mean']).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_NORM['std']).view(1, 3, 1, 1)
    metric = ZeroShotAccuracy()
    for start in range(0, len(dataset), batch_size):
        items = [
            dataset[i]
            for i in range(start, min(start + batch_size, len(dataset)))
        ]
        # BGR (mmcv's loader) -> RGB, as the data preprocessor's to_rgb
        images = torch.from_numpy(
            np.stack([item['img'][..., ::-1] for item in items]))
        images = (images.permute(0, 3, 1, 2).float() - mean) / std
        pred = (teacher(images) @ bank.bank).argmax(dim=1)
        metric.process(None, [
            dict(pred_label=p, gt_label=item['gt_label'])
            for p, item in zip(pred.tolist(), items)
        ])
    return metric.evaluate(len(dataset))['zero_shot/top1']


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
            ``num_threads``, ``work_dir``).

    Returns:
        dict: The sidecar content (settings, per-epoch losses, training
        time, zero-shot top-1 on val).
    """
    result = train_toy_clip(
        data_root, out_path, seed=seed, log=log, **train_cfg)
    top1 = toy_clip_zero_shot(out_path, data_root, 'val')
    train_cfg.pop('num_threads', None)
    train_cfg.pop('work_dir', None)
    cfg = dict(TOY_CLIP_DEFAULTS, **train_cfg)
    meta = dict(
        model_name=TOY_CLIP_MODEL,
        checkpoint=osp.basename(out_path),
        data_root=osp.abspath(data_root),
        seed=seed,
        config=osp.join(*TOY_CLIP_CONFIG),
        train_cfg=dict(cfg, crop_scale=list(cfg['crop_scale'])),
        epoch_losses=[round(v, 5) for v in result['epoch_losses']],
        train_time_s=round(result['train_time_s'], 1),
        num_threads=result['num_threads'],
        zero_shot_val_top1=round(top1, 2),
        templates='openai_imagenet',
        code_version=TOY_CLIP_CODE_VERSION)
    atomic_json_dump(meta, sidecar_path(out_path), indent=2)
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
