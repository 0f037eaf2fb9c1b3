"""The task table, configs and the metric mapping of lgd_mm.benchmark."""
import json
import os.path as osp
import re
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from lgd_mm.benchmark.runner import (head_options, last_val_metrics,
                                     make_record, prepare_config,
                                     record_metrics)
from lgd_mm.benchmark.students import load_student, student_ids
from lgd_mm.benchmark.tasks import (SUITES, TASKS, resolve_tasks, task_config,
                                    task_students)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_every_task_has_its_configs():
    assert student_ids() == ['r18', 'mbv2', 'mbv3-l', 'effb0', 'r18-half']
    for task in TASKS:
        students = task_students(task)
        # every task runs r18 and mbv2; the rest is per task
        assert {'r18', 'mbv2'} <= set(students), task
        for student in students:
            assert osp.isfile(task_config(task, student)), (task, student)
    assert task_students('cityscapes_fcn-d8_80k') == ['r18', 'mbv2']
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


def test_metric_mapping_and_last_val_metrics(tmp_path):
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('test_last_val_metrics')
    # two validations, as RuntimeInfoHook logs them; the last one counts
    for values in (dict(loss=1.0), {
            'coco/bbox_mAP': 0.1,
            'coco/segm_mAP': 0.2
    }, dict(loss=0.5), {
            'coco/bbox_mAP': 0.301,
            'coco/bbox_mAP_50': 0.5,
            'coco/segm_mAP': 0.25,
            'coco/bbox_mAP_l': -1.0
    }):
        for key, value in values.items():
            hub.update_scalar(('' if key == 'loss' else 'val/') + key, value)
    runner = SimpleNamespace(message_hub=hub, work_dir=str(tmp_path))
    raw = last_val_metrics(runner)
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
    empty = SimpleNamespace(
        message_hub=MessageHub.get_instance('test_no_val'), work_dir='/w')
    with pytest.raises(RuntimeError, match='no validation metric'):
        last_val_metrics(empty)


def test_head_options_follow_the_checkpoint():
    import torch
    payload = dict(
        state_dict={
            'neck.mlp.0.weight': torch.zeros(64, 512),
            'neck.mlp.2.weight': torch.zeros(32, 64)
        },
        meta=dict(teacher='RN50-quickgelu', teacher_weights='openai'))
    assert head_options(payload) == {
        'model.neck.type': 'MoCoV2Neck',
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


def test_library_starts_no_process_and_no_tool():
    """Distributed benchmarks are started by tools/*_benchmark.sh, one
    process per rank; the library runs in the process it is given."""
    import ast
    package = osp.join(ROOT, 'lgd_mm', 'benchmark')
    for name in ('api.py', 'runner.py', 'tasks.py', 'students.py'):
        tree = ast.parse(open(osp.join(package, name)).read())
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
            and node.body and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] + [
                    getattr(node, 'module', None) or '']
                assert not {'subprocess', 'importlib'} & set(mods), name
            if isinstance(node, ast.Constant) and isinstance(
                    node.value, str) and id(node) not in docs:
                assert not re.search(r'\btools\b', node.value), (name,
                                                                  node.value)
    dist = open(osp.join(ROOT, 'tools', 'dist_benchmark.sh')).read()
    assert 'torch.distributed.run' in dist
    assert 'tools/benchmark.py" "$CHECKPOINT" --launcher pytorch' in dist
    slurm = open(osp.join(ROOT, 'tools', 'slurm_benchmark.sh')).read()
    assert 'srun' in slurm and '--launcher=slurm' in slurm


def test_students_are_described_once():
    """Pre-training, transfer and records read one file per student."""
    for sid in student_ids():
        student = load_student(sid)
        assert student['id'] == sid and student['name']
        assert student['channels'][-1] == student['feat_dim']
        assert '_delete_' not in student['backbone']
    with pytest.raises(KeyError, match='unknown student'):
        load_student('resnet18')


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
        assert cfg.train_cfg.max_epochs == 3
    if task in ('toyworld_fpn', 'toyworld_upernet'):
        assert cfg.model.decode_head.num_classes == 16
        assert cfg.train_cfg.max_iters == 300
    assert TASKS[task]['dataset'] == 'ToyWorld'
