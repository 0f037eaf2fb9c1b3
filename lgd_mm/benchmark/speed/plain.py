"""The same LGD step written the way the original implementation does it.

Plain PyTorch, no mmengine: a torchvision student with an MLP head, the
CLIP image tower as the teacher, both banks as plain tensors, the losses
written out, and the VSB updated by the per-class Python loop
(:func:`~lgd_mm.models.banks.lgka_reference.lgka_update_loop`, pitfall
§5.4). Precision follows what the original gets on each device: its CLIP
teacher is loaded in fp16 and the student trained under
``torch.cuda.amp`` on CUDA; on a CPU the CLIP loader casts the model to
fp32 and ``torch.cuda.amp`` is inactive, so everything runs in fp32 and
NCHW. This is the comparison row of the speed table, not training code.
"""
from typing import Dict

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from lgd_mm.utils.normalization import CLIP_NORM
from lgd_mm.models.banks.lgka_reference import lgka_update_loop
from lgd_mm.models.teachers.factory import create_clip_model
from ..students import load_student
from .timing import PhaseTimer
from .train_step import (finish_phases, random_unit_columns, teacher_embed_dim)

def _mlp(in_dim: int, hid_dim: int, out_dim: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(in_dim, hid_dim), nn.ReLU(inplace=True),
        nn.Linear(hid_dim, out_dim))


def torchvision_student(name: str, out_dim: int) -> nn.Module:
    """torchvision backbone whose classifier is the projection MLP (§1.5),
    as the original builds its students; the model and width come from the
    student's description (``configs/_base_/students/<name>.py``)."""
    student = load_student(name)
    model = getattr(torchvision.models, student['torchvision'])()
    head = _mlp(student['feat_dim'], student['feat_dim'], out_dim)
    # ResNets name their classifier fc, the mobile networks classifier
    setattr(model, 'fc' if hasattr(model, 'fc') else 'classifier', head)
    return model


def soft_ce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return -(target * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


class PlainLGDStep:
    """One LGD train step in plain PyTorch (the reference row).

    Args:
        student (str): 'r18', 'mbv2', 'mbv3-l' or 'effb0'.
        teacher (str): open_clip architecture of the teacher (random init).
        num_classes (int): Vocabulary size C of the banks.
        device (torch.device): Device.
        student_temp (float): tau_s. Defaults to 0.2.
        teacher_temp (float): tau_t. Defaults to 0.01.
        momentum (float): VSB momentum. Defaults to 0.999.
    """
    name = 'plain_pytorch'

    def __init__(self,
                 student: str,
                 teacher: str = 'RN50-quickgelu',
                 num_classes: int = 1000,
                 device: torch.device = torch.device('cpu'),
                 student_temp: float = 0.2,
                 teacher_temp: float = 0.01,
                 momentum: float = 0.999) -> None:
        self.device = device
        self.cuda = device.type == 'cuda'
        dim = teacher_embed_dim(teacher)
        torch.manual_seed(0)
        clip, _ = create_clip_model(teacher)
        self.teacher = clip.visual.eval().requires_grad_(False).to(device)
        if self.cuda:
            self.teacher.half()
        size = self.teacher.image_size
        self.teacher_size = size[0] if isinstance(size, (tuple, list)) \
            else size
        self.student = torchvision_student(student, dim).to(device).train()
        self.optimizer = torch.optim.SGD(
            self.student.parameters(),
            lr=0.03,
            momentum=0.9,
            weight_decay=1e-4)
        self.scaler = torch.amp.GradScaler('cuda', enabled=self.cuda)
        self.text_bank = random_unit_columns(dim, num_classes, 0).to(device)
        self.visual_bank = random_unit_columns(dim, num_classes, 1).to(device)
        self.filled = torch.zeros(num_classes, dtype=torch.bool, device=device)
        self.mean = torch.tensor(CLIP_NORM['mean'], device=device).view(1, 3, 1, 1)
        self.std = torch.tensor(CLIP_NORM['std'], device=device).view(1, 3, 1, 1)
        self.tau_s, self.tau_t, self.momentum = (student_temp, teacher_temp,
                                                 momentum)
        self.timer = PhaseTimer(device)

    def _losses(self, z_s, z_t):
        with torch.no_grad():
            t_vis = torch.cat(
                [torch.ones_like(z_t[:, :1]), z_t @ self.visual_bank], 1)
            p_vis = F.softmax(t_vis / self.tau_t, dim=1)
            p_tex = F.softmax(z_t @ self.text_bank / self.tau_t, dim=1)
        s_vis = torch.cat([(z_s * z_t).sum(1, keepdim=True),
                           z_s @ self.visual_bank], 1) / self.tau_s
        s_tex = z_s @ self.text_bank / self.tau_s
        return 0.5 * soft_ce(s_vis, p_vis) + 0.5 * soft_ce(s_tex, p_tex)

    def __call__(self, images: torch.Tensor) -> Dict[str, float]:
        """Run one train step on uint8 ``images``; returns its phases."""
        timer = self.timer
        timer.reset()
        with timer.phase('total'):
            with timer.phase('preprocess'):
                x = images.to(self.device, non_blocking=True).float()
                x = (x - self.mean) / self.std
            with timer.phase('teacher_fwd'), torch.no_grad():
                x_t = x
                if x.shape[-1] != self.teacher_size:  # tiny test teachers
                    x_t = F.interpolate(
                        x, size=self.teacher_size, mode='bilinear')
                z_t = self.teacher(x_t.half() if self.cuda else x_t)
                z_t = F.normalize(z_t.float(), dim=1)
            with torch.autocast('cuda', enabled=self.cuda):
                with timer.phase('student_fwd'):
                    z_s = self.student(x)
                with timer.phase('lgd'):
                    z_s = F.normalize(z_s.float(), dim=1)
                    loss = self._losses(z_s, z_t)
            with timer.phase('backward'):
                self.optimizer.zero_grad()
                self.scaler.scale(loss).backward()
            with timer.phase('optimizer'):
                self.scaler.step(self.optimizer)
                self.scaler.update()
            with timer.phase('lgd'), torch.no_grad():
                labels = (z_t @ self.text_bank).argmax(dim=1)
                with timer.phase('lgka_update'):
                    self.visual_bank, self.filled = lgka_update_loop(
                        self.visual_bank, self.filled, z_t, labels,
                        self.momentum)
        return finish_phases(timer.totals)
