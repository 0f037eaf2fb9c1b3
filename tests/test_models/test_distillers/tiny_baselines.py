"""Tiny configs of the baseline distillers: ResNet-18 student, the random
32-d CLIP teacher ``lgd-tiny-rn``, 32 px inputs."""
import torch

CLIP_PRE = dict(
    type='SelfSupDataPreprocessor',
    mean=[122.771, 116.746, 104.094],
    std=[68.501, 66.632, 70.323],
    to_rgb=True)
CONTRASTIVE = dict(
    type='ContrastiveHead',
    loss=dict(type='CrossEntropyLoss'),
    temperature=0.2)
HEADS = dict(
    SEED=dict(head=dict(type='SEEDHead'), queue_size=16),
    KD=dict(head=dict(type='KDHead')),
    BINGO=dict(head=CONTRASTIVE, queue_size=16),
    DisCo=dict(
        head=CONTRASTIVE,
        queue_size=16,
        neck=dict(
            type='MoCoV2Neck',
            in_channels=512,
            hid_channels=64,
            out_channels=32)))


def tiny_cfg(algo, **kwargs):
    """Config of ``algo`` ('SEED', 'KD', 'BINGO', 'DisCo')."""
    cfg = dict(
        type=algo,
        backbone=dict(type='ResNet', depth=18),
        neck=dict(
            type='MoCoV2Neck',
            in_channels=512,
            hid_channels=64,
            out_channels=32),
        teacher=dict(type='CLIPTeacher', model_name='lgd-tiny-rn'),
        data_preprocessor=CLIP_PRE)
    cfg.update(HEADS[algo])
    cfg.update(kwargs)
    return cfg


def images(num=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(num, 3, 32, 32, generator=gen)


def teacher_params(model):
    """The frozen teacher's parameters (held outside the module tree)."""
    inner = getattr(model.teacher, 'clip', None) or model.teacher.model
    return list(inner.parameters())
