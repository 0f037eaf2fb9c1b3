"""Stock mmpretrain / mmdet / mmseg recipes train and evaluate on CPU.

Each test writes a thin config over a stock ``mmpretrain::``/``mmdet::``/
``mmseg::`` base (as users do), scales it down, and runs a real Runner with
the real metric on generated data, through the runner builder that
tools/train.py uses.
"""
import textwrap

import pytest
from mmengine.config import Config

import lgd_mm  # noqa: F401  (safe checkpoint loading)
from lgd_mm.datasets.toyworld import TOYWORLD_CLASSES
from lgd_mm.engine.runner import build_runner

NUM_CLASSES = len(TOYWORLD_CLASSES)


def _config(tmp_path, base, body):
    path = tmp_path / 'cfg.py'
    path.write_text(f"_base_ = '{base}'\n" + textwrap.dedent(body))
    cfg = Config.fromfile(str(path))
    cfg.work_dir = str(tmp_path / 'work')
    return cfg


def _one_iter(cfg, val_interval=1):
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=1, val_interval=val_interval)
    cfg.param_scheduler = []
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=1, by_epoch=False)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key):
            cfg[key].num_workers = 0
            cfg[key].persistent_workers = False
    return cfg


def test_mmpretrain_mocov2_one_iteration(tmp_path, toyworld):
    cfg = _config(
        tmp_path, 'mmpretrain::mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py',
        f"""
        model = dict(
            queue_len=8,
            backbone=dict(depth=18),
            neck=dict(in_channels=512, hid_channels=64, out_channels=16),
            feat_dim=16)
        train_dataloader = dict(
            batch_size=4,
            dataset=dict(data_root='{toyworld}/cls'))
        """)
    cfg.train_dataloader.dataset.pipeline[1].transforms[0][0].scale = 32
    runner = build_runner(_one_iter(cfg))
    runner.train()
    assert runner.iter == 1
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert loss == loss and loss > 0  # finite, positive InfoNCE
    assert (tmp_path / 'work' / 'iter_1.pth').exists()


def test_mmdet_mask_rcnn_r18_train_and_coco_metric(tmp_path, toyworld):
    root = f'{toyworld}/coco'
    cfg = _config(
        tmp_path, 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py', f"""
        metainfo = dict(classes={tuple(TOYWORLD_CLASSES)!r})
        model = dict(
            backbone=dict(depth=18, init_cfg=None),
            neck=dict(in_channels=[64, 128, 256, 512]),
            roi_head=dict(
                bbox_head=dict(num_classes={NUM_CLASSES}),
                mask_head=dict(num_classes={NUM_CLASSES})),
            # untrained: keep every box so CocoMetric has something to score
            test_cfg=dict(rcnn=dict(score_thr=0.0)))
        scale = (128, 128)
        train_dataloader = dict(
            batch_size=2,
            dataset=dict(
                data_root='{root}', metainfo=metainfo,
                ann_file='annotations/instances_train.json',
                data_prefix=dict(img='train/')))
        val_dataloader = dict(
            dataset=dict(
                data_root='{root}', metainfo=metainfo,
                ann_file='annotations/instances_val.json',
                data_prefix=dict(img='val/')))
        test_dataloader = val_dataloader
        val_evaluator = dict(ann_file='{root}/annotations/instances_val.json')
        test_evaluator = val_evaluator
        """)
    for pipeline in (cfg.train_dataloader.dataset.pipeline,
                     cfg.val_dataloader.dataset.pipeline):
        for t in pipeline:
            if t['type'] == 'Resize':
                t['scale'] = (128, 128)
    runner = build_runner(_one_iter(cfg, val_interval=100))
    runner.train()
    losses = {
        k: runner.message_hub.get_scalar(k).current()
        for k in ('train/loss_rpn_cls', 'train/loss_cls', 'train/loss_mask')
    }
    assert all(v == v for v in losses.values()), losses
    metrics = runner.val()
    for key in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/segm_mAP'):
        assert key in metrics, metrics
        assert 0.0 <= metrics[key] <= 1.0


def test_mmseg_upernet_train_and_iou_metric(tmp_path, toyworld):
    root = f'{toyworld}/ade'
    cfg = _config(
        tmp_path, 'mmseg::upernet/upernet_r50_4xb4-160k_ade20k-512x512.py',
        f"""
        crop_size = (64, 64)
        model = dict(
            pretrained=None,
            data_preprocessor=dict(size=crop_size),
            backbone=dict(
                _delete_=True, type='ResNet', depth=18,
                norm_cfg=dict(type='SyncBN', requires_grad=True)),
            decode_head=dict(
                in_channels=[64, 128, 256, 512], channels=32,
                num_classes={NUM_CLASSES}),
            auxiliary_head=dict(
                in_channels=256, channels=16, num_classes={NUM_CLASSES}))
        train_dataloader = dict(
            batch_size=2,
            dataset=dict(type='ToyWorldSegDataset', data_root='{root}'))
        val_dataloader = dict(
            dataset=dict(type='ToyWorldSegDataset', data_root='{root}'))
        test_dataloader = val_dataloader
        """)
    for pipeline in (cfg.train_dataloader.dataset.pipeline,
                     cfg.val_dataloader.dataset.pipeline):
        for t in pipeline:
            if t['type'] in ('RandomResize', 'Resize'):
                t['scale'] = (128, 64)
            if t['type'] == 'RandomCrop':
                t['crop_size'] = (64, 64)
    runner = build_runner(_one_iter(cfg, val_interval=100))
    runner.train()
    loss = runner.message_hub.get_scalar('train/decode.loss_ce').current()
    assert loss == loss and loss > 0
    metrics = runner.val()
    for key in ('mIoU', 'mAcc', 'aAcc'):
        assert key in metrics, metrics
        assert 0.0 <= metrics[key] <= 100.0
    assert runner.val_evaluator.metrics[0].__class__.__name__ == 'IoUMetric'
