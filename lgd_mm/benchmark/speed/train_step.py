"""Train-step breakdown of LGD through lgd_mm's own code path.

The step is mmengine's ``model.train_step(data, optim_wrapper)``, exactly
what the Runner calls; the phases are measured from the outside (forward
hooks, timed wrappers), so no model code is repeated here.
"""
import io
import os.path as osp
from typing import Dict, Optional

import open_clip
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

from lgd_mm.models.banks.visual_bank import VisualSemanticsBank
from lgd_mm.models.teachers.factory import _CONFIG_DIR, create_clip_model
from lgd_mm.registry import MODELS
from lgd_mm.utils.config_paths import config_path
from lgd_mm.utils.norm_layers import sync_bn_to_bn
from ..students import with_student
from .timing import PhaseTimer

#: The LGD model (ResNet-18 student) other students are swapped into.
MODEL_CONFIG = '_base_/models/lgd_r18.py'
DATASET_CONFIG = '_base_/datasets/imagenet_lgd.py'

#: Step variants of the lgd_mm path, slowest to fastest. 'half' is bf16 on
#: CPU and fp16 on CUDA; ``amp`` is AnyDeviceAmpOptimWrapper in that dtype.
VARIANTS = {
    'fp32': dict(channels_last=False, teacher_half=False, amp=False),
    'channels_last': dict(channels_last=True, teacher_half=False, amp=False),
    'cl+half_teacher': dict(channels_last=True, teacher_half=True, amp=False),
    'cl+half_teacher+amp':
    dict(channels_last=True, teacher_half=True, amp=True),
}
#: With ``--compile``: the fastest variant with ``train_step`` compiled
#: as mmengine's ``compile=True`` does (one graph: no phase breakdown).
COMPILED_VARIANT = {
    'cl+half_teacher+amp+compile':
    dict(channels_last=True, teacher_half=True, amp=True, compile=True)
}
#: Phases of a step, in the order of the table.
PHASES = ('preprocess', 'teacher_fwd', 'student_fwd', 'lgd', 'backward',
          'optimizer', 'other')
SGD = dict(type='SGD', lr=0.03, momentum=0.9, weight_decay=1e-4)


def half_dtype(device: torch.device) -> str:
    """The half precision of ``device``: fp16 on CUDA, bf16 elsewhere."""
    return 'fp16' if device.type == 'cuda' else 'bf16'


def teacher_embed_dim(model_name: str) -> int:
    """Embedding size of an open_clip (or lgd_mm toy) architecture."""
    open_clip.add_model_config(_CONFIG_DIR)
    cfg = open_clip.get_model_config(model_name)
    if cfg is None:
        raise KeyError(f'unknown open_clip model {model_name!r}')
    return int(cfg['embed_dim'])


def random_unit_columns(dim: int, num: int, seed: int) -> torch.Tensor:
    """(dim, num) fp32 matrix with L2-normalised random columns."""
    gen = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(dim, num, generator=gen), dim=0)


def synthetic_batch(batch: int, size: int, seed: int = 0) -> torch.Tensor:
    """A decoded, augmented batch as the dataloader hands it over: uint8
    (B, 3, H, W). Data loading is measured on its own (``data`` section)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(
        0, 256, (batch, 3, size, size), generator=gen, dtype=torch.uint8)


def build_lgd(student: str,
              teacher: str = 'RN50-quickgelu',
              num_classes: int = 1000,
              channels_last: bool = False,
              teacher_dtype: str = 'fp32',
              device: torch.device = torch.device('cpu'),
              seed: int = 0):
    """An LGD model of the configs with a random-init teacher and banks.

    The teacher is ``pretrained=None`` (no download). The banks have the
    shape of a ``num_classes`` vocabulary but random unit columns: encoding
    the 80 x 1000 ImageNet prompts with a text tower takes hours on a CPU
    and the values do not change the cost of a step.
    """
    cfg = Config.fromfile(config_path(MODEL_CONFIG))
    cfg.model = with_student(cfg.model, student)
    data_cfg = Config.fromfile(config_path(DATASET_CONFIG))
    model_cfg = cfg.model
    model_cfg.data_preprocessor = data_cfg.data_preprocessor
    dim = teacher_embed_dim(teacher)
    model_cfg.neck.out_channels = dim
    model_cfg.teacher.update(
        model_name=teacher,
        pretrained=None,
        dtype=teacher_dtype,
        channels_last=channels_last)
    # one throwaway class; the bank is replaced below
    model_cfg.text_bank = dict(
        type='TextualSemanticsBank', vocab=['object'], templates=['{}'])
    model_cfg.channels_last = channels_last
    sync_bn_to_bn(model_cfg)
    torch.manual_seed(seed)  # same student/teacher init for every variant
    with DefaultScope.overwrite_default_scope('lgd_mm'):
        model = MODELS.build(model_cfg)
    model.text_bank.bank = random_unit_columns(dim, num_classes, seed)
    model.visual_bank = VisualSemanticsBank(num_classes, dim,
                                            model.visual_bank.momentum)
    return model.to(device).train()


def build_optim_wrapper_for(model: torch.nn.Module, amp: bool,
                            device: torch.device):
    """SGD of the recipe (§2) in ``OptimWrapper`` or the AMP wrapper."""
    cfg = dict(type='OptimWrapper', optimizer=dict(SGD))
    if amp:
        cfg.update(
            type='AnyDeviceAmpOptimWrapper',
            dtype='float16' if device.type == 'cuda' else 'bfloat16')
    with DefaultScope.overwrite_default_scope('lgd_mm'):
        return build_optim_wrapper(model, cfg)


class LGDStep:
    """One lgd_mm variant: model, optimizer wrapper and phase timers.

    Args:
        student (str): Student id (``configs/_base_/students``).
        variant (str): Key of :data:`VARIANTS`.
        teacher (str): open_clip architecture of the teacher.
        num_classes (int): Vocabulary size C of the banks.
        device (torch.device): Device.
        store (str, optional): A teacher store written with this variant's
            teacher (:mod:`.store`): the teacher becomes a
            ``StoredTeacher`` and each step's data samples carry stored
            embeddings, as ``ReplayViewDataset`` hands them over. The row
            is named ``<variant>+stored``.
    """

    def __init__(self,
                 student: str,
                 variant: str,
                 teacher: str = 'RN50-quickgelu',
                 num_classes: int = 1000,
                 device: torch.device = torch.device('cpu'),
                 store: Optional[str] = None) -> None:
        spec = dict(VARIANTS, **COMPILED_VARIANT)[variant]
        self.name = variant
        self.device = device
        self.model = build_lgd(
            student,
            teacher,
            num_classes,
            channels_last=spec['channels_last'],
            teacher_dtype=(half_dtype(device)
                           if spec['teacher_half'] else 'fp32'),
            device=device)
        self.store = None
        if store is not None:
            from lgd_mm.models.teachers import StoredTeacher

            # same seed, same teacher weights as the store's: the key holds
            self.model.teacher = StoredTeacher(store, self.model.teacher)
            self.store = self.model.teacher.store
            self.name = f'{variant}+stored'
        self.optim_wrapper = build_optim_wrapper_for(self.model, spec['amp'],
                                                     device)
        self.timer = PhaseTimer(device)
        self.compiled = spec.get('compile', False)
        self.train_step = self.model.train_step
        if self.compiled:
            # timers inside would break the graph: the total only
            self.train_step = torch.compile(self.train_step)
            return
        model, timer = self.model, self.timer
        timer.wrap(model.data_preprocessor, 'forward', 'preprocess')
        timer.hook_modules(model.teacher, model.teacher, 'teacher_fwd')
        timer.hook_modules(model.backbone, model.neck, 'student_fwd')
        timer.wrap(model, 'loss', 'loss')
        timer.wrap(model.visual_bank, 'update', 'lgka_update')
        timer.wrap(model, 'gather', 'gather')
        timer.wrap(self.optim_wrapper, 'backward', 'backward')
        timer.wrap(self.optim_wrapper, 'step', 'optimizer')
        timer.wrap(self.optim_wrapper, 'zero_grad', 'optimizer')

    def __call__(self, images: torch.Tensor) -> Dict[str, float]:
        """Run one train step on ``images``; returns its phases (s)."""
        data = dict(inputs=images, data_samples=self._samples(images.size(0)))
        self.timer.reset()
        with self.timer.phase('total'):
            self.train_step(data, self.optim_wrapper)
        totals = dict(self.timer.totals)
        if self.compiled:
            return finish_phases(totals)
        # LGD-specific work: the loss minus the two forwards, i.e. logits
        # against both banks, soft CEs, pseudo-labels, LGKA and gather
        totals['lgd'] = max(
            totals['loss'] - totals['teacher_fwd'] - totals['student_fwd'],
            0.0)
        return finish_phases(totals)

    def _samples(self, batch: int) -> list:
        samples = [DataSample() for _ in range(batch)]
        if self.store is not None:
            for i, sample in enumerate(samples):
                sample.set_field(
                    torch.from_numpy(
                        self.store.get(i % self.store.num_images, [0])),
                    'teacher_embedding')
        return samples


def finish_phases(totals: Dict[str, float]) -> Dict[str, float]:
    """Table phases (seconds) from one step's timer totals.

    Missing phases count 0; ``other`` is what is left of ``total`` (the
    autocast context, loss parsing, Python glue); ``lgka_update`` and
    ``gather`` are parts of ``lgd`` reported on their own.
    """
    phases = {k: totals.get(k, 0.0) for k in PHASES if k != 'other'}
    phases['other'] = max(totals['total'] - sum(phases.values()), 0.0)
    phases['total'] = totals['total']
    for key in ('lgka_update', 'gather'):
        phases[key] = totals.get(key, 0.0)
    return phases


def checkpoint_sizes(student: str = 'r18',
                     teacher: str = 'RN50-quickgelu',
                     num_classes: int = 1000) -> Dict[str, Optional[float]]:
    """Checkpoint weights (MiB) of an LGD model with and without CLIP.

    ``lgd_mm`` is the model's ``state_dict`` (student, projector, both
    banks; the teacher is held outside the module tree). ``with_clip``
    adds the whole open_clip model (image and text towers), as a checkpoint
    that kept the teacher would hold. ``held_*_params_m``: parameters (M)
    the teacher still holds in memory, all of them its image tower's once
    the text tower was dropped.
    """
    model = build_lgd(student, teacher, num_classes)

    def mib(state) -> float:
        buf = io.BytesIO()
        torch.save(state, buf)
        return buf.tell() / 2**20

    clip, _ = create_clip_model(teacher)
    state = model.state_dict()
    held = model.teacher.clip  # what the teacher keeps in memory

    def params_m(module) -> float:
        return sum(p.numel() for p in module.parameters()) / 1e6

    return dict(
        clip_params_m=params_m(clip),
        held_teacher_params_m=params_m(held),
        held_visual_params_m=params_m(held.visual),
        lgd_mm=mib(state),
        with_clip=mib(
            dict(state, **{
                f'teacher.{k}': v
                for k, v in clip.state_dict().items()
            })),
        teacher_keys=sum(k.startswith('teacher') for k in state),
        text_tower_dropped=not model.teacher.has_text_tower)
