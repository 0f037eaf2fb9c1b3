"""The task table, configs and the metric mapping of lgd_mm.benchmark."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from lgd_mm.benchmark.runner import (SUITES, TASKS, _test_cmd, _train_cmd,
                                     final_val_metrics, head_options,
                                     make_record, prepare_config,
                                     record_metrics, resolve_tasks,
                                     task_config)


def test_every_task_has_its_configs():
    for task, spec in TASKS.items():
        for student in spec['students']:
            assert osp.isfile(task_config(task, student)), (task, student)
    for suite, tasks in SUITES.items():
        assert resolve_tasks(suite=suite) == tasks
    with pytest.raises(KeyError, match='unknown task'):
        resolve_tasks(['coco_faster-rcnn'])
    with pytest.raises(ValueError, match='no config for student'):
        task_config('cityscapes_fcn-d8_80k', 'effb0')


@pytest.mark.parametrize(
    'task',
    ['coco_mask-rcnn_fpn_lgd-adamw-1x', 'cityscapes_fcn-d8_80k', 'in1k_knn'])
def test_prepare_config(task):
    cfg = prepare_config(
        task,
        'mbv2',
        '/ckpt.pth',
        '/w',
        seed=3,
        cfg_options=[{
            'model.backbone.norm_eval': True
        }])
    dumped = json.dumps(cfg.model.to_dict())
    assert 'SyncBN' not in dumped  # single process: plain BN
    pre = cfg.model.get('data_preprocessor') or cfg.data_preprocessor
    assert pre.mean == [122.771, 116.746, 104.094]  # CLIP, not ImageNet
    assert cfg.randomness.seed == 3 and cfg.model.backbone.norm_eval
    if TASKS[task]['kind'] == 'train':
        assert cfg.model.backbone.init_cfg.checkpoint == '/ckpt.pth'
    else:
        assert cfg.load_from == '/ckpt.pth'
    dist = prepare_config(
        task, 'mbv2', '/ckpt.pth', '/w', single_process=False)
    if task != 'in1k_knn':  # frozen probes use plain BN anyway
        assert 'SyncBN' in json.dumps(dist.model.to_dict())


def test_metric_mapping_and_final_val_metrics(tmp_path):
    vis = tmp_path / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    lines = [
        dict(loss=1.0, step=1), {
            'coco/bbox_mAP': 0.1,
            'coco/segm_mAP': 0.2,
            'step': 1
        },
        dict(loss=0.5, step=2), {
            'coco/bbox_mAP': 0.301,
            'coco/bbox_mAP_50': 0.5,
            'coco/segm_mAP': 0.25,
            'coco/bbox_mAP_l': -1.0,
            'step': 2
        }
    ]
    (vis / 'scalars.json').write_text(''.join(
        json.dumps(x) + '\n' for x in lines))
    raw = final_val_metrics(str(tmp_path))
    metrics, extra = record_metrics(raw)
    assert metrics == {'box_AP': 30.1, 'box_AP50': 50.0, 'mask_AP': 25.0}
    cfg = Config(
        dict(
            work_dir=str(tmp_path),
            randomness=dict(seed=0),
            train_dataloader=dict(batch_size=2)))
    record = make_record(
        'coco_mask-rcnn_fpn_1x',
        'r18',
        raw,
        cfg,
        dict(
            algorithm='LGD',
            teacher='RN50-quickgelu',
            teacher_weights='openai'),
        gpus=8)
    assert record.teacher == 'RN50-quickgelu (openai)'
    assert record.extra['gpus_x_batch'] == '8x2'
    assert record_metrics({
        'zero_shot/top1': 12.5,
        'zero_shot/teacher_top1': 40.0
    }) == ({
        'top1': 12.5
    }, {
        'teacher_top1': 40.0
    })
    with pytest.raises(FileNotFoundError):
        final_val_metrics(str(tmp_path / 'empty'))


def test_head_options_follow_the_checkpoint():
    import torch
    payload = dict(
        state_dict={
            'neck.fc0.weight': torch.zeros(64, 512),
            'neck.fc1.weight': torch.zeros(32, 64)
        },
        meta=dict(teacher='RN50-quickgelu', teacher_weights='openai'))
    assert head_options(payload) == {
        'model.neck.type': 'ProjectionNeck',
        'model.neck.in_channels': 512,
        'model.neck.hid_channels': 64,
        'model.neck.out_channels': 32,
        'model.teacher.model_name': 'RN50-quickgelu',
        'model.teacher.pretrained': 'openai'
    }
    payload['meta'] = dict(teacher='lgd-tiny-rn', teacher_weights='None')
    assert head_options(payload)['model.teacher.pretrained'] is None
    # DisCo's MoCo v2 projector
    payload['state_dict'] = {
        'neck.mlp.0.weight': torch.zeros(2048, 256),
        'neck.mlp.2.weight': torch.zeros(128, 2048)
    }
    options = head_options(payload)
    assert options['model.neck.type'] == 'MoCoV2Neck'
    assert (options['model.neck.in_channels'],
            options['model.neck.hid_channels'],
            options['model.neck.out_channels']) == (256, 2048, 128)


def test_launch_commands():
    """dist_train.sh / slurm_train.sh / srun command lines (no cluster)."""
    train = _train_cmd('pytorch', 'c.py', '/w', 8, None, 'job')
    assert train[1].endswith('tools/dist_train.sh') and train[2:4] == [
        'c.py', '8'
    ] and train[-2:] == ['--work-dir', '/w']
    slurm = _train_cmd('slurm', 'c.py', '/w', 16, 'gpu', 'job')
    assert slurm[1].endswith('tools/slurm_train.sh') and slurm[2:] == [
        'gpu', 'job', 'c.py', '/w'
    ]
    test = _test_cmd('slurm', 'c.py', 'k.pth', 'm.json', 16, 'gpu', 'job')
    assert test[:2] == ['srun', '-p'] and '--ntasks=16' in test
    assert test[-2:] == ['--launcher', 'slurm']
    dist = _test_cmd('pytorch', 'c.py', 'k.pth', 'm.json', 2, None, 'job')
    assert dist[1].endswith('tools/dist_test.sh') and dist[2:5] == [
        'c.py', 'k.pth', '2'
    ]


@pytest.mark.parametrize('task', SUITES['toyworld-all'])
def test_toyworld_tasks_are_stock_configs_plus_data(task, monkeypatch):
    """The ToyWorld tasks run the stock COCO/ADE20K/ImageNet configs; their
    fragments only change data, class count and schedule sizes."""
    from lgd_mm.datasets.toyworld import TOYWORLD_CLASSES
    monkeypatch.setenv('TOYWORLD_ROOT', '/toy')
    cfg = prepare_config(task, 'r18', '/ckpt.pth', '/w')
    stock = Config.fromfile(task_config(task, 'r18'))
    # same model family, backbone and normalisation as the real benchmark
    assert cfg.model.type == stock.model.type
    assert cfg.model.backbone.type == stock.model.backbone.type
    loader = cfg.test_dataloader
    root = loader.dataset.data_root
    assert root.startswith('/toy/'), root
    classes = loader.dataset.get('metainfo', {}).get('classes')
    if classes is not None:
        assert tuple(classes) == TOYWORLD_CLASSES
    if 'mask-rcnn' in task:
        assert cfg.model.roi_head.bbox_head.num_classes == 16
        assert cfg.train_cfg.max_epochs == 1
    if task in ('toyworld_fpn', 'toyworld_upernet'):
        assert cfg.model.decode_head.num_classes == 16
        assert cfg.train_cfg.max_iters == 200
    assert TASKS[task]['dataset'] == 'ToyWorld'
