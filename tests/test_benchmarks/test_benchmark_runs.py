"""tools/benchmark.py end to end on ToyWorld: one short real run per family.

Each test exports the LGD checkpoint, runs the task configs of
configs/benchmarks through mmengine Runners with the real metrics
(CocoMetric, IoUMetric, Accuracy, KNNAccuracy, ZeroShotAccuracy) and checks
the JSON record. Data, image sizes and schedules are scaled down with
``--override`` files and ``--cfg-options``, as a user would.
"""
import glob
import importlib.util
import math
import os.path as osp

import pytest

from lgd_mm.benchmark import BenchmarkRecord
from lgd_mm.datasets.toyworld import TOYWORLD_CLASSES

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'benchmark_tool', osp.join(ROOT, 'tools', 'benchmark.py'))
benchmark = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(benchmark)

NUM_CLASSES = len(TOYWORLD_CLASSES)
METAINFO = dict(classes=TOYWORLD_CLASSES)
LOADER = dict(num_workers=0, persistent_workers=False)
# no checkpoint files (speed), a log line per iteration
QUICK = dict(
    default_hooks=dict(
        checkpoint=dict(interval=1000, save_last=False),
        logger=dict(interval=1)))


def write_fragment(path, **values):
    """A config fragment for ``--override``."""
    with open(path, 'w') as f:
        for key, value in values.items():
            f.write(f'{key} = {value!r}\n')
    return str(path)


def run(ckpt, tmp_path, tasks, fragments, options=()):
    """Run tools/benchmark.py in this process; return task -> record."""
    argv = [
        ckpt, '--tasks', *tasks, '--work-dir',
        str(tmp_path / 'bench'), '--input-shape', '64', '--override',
        *fragments
    ]
    paths = benchmark.main(argv +
                           (['--cfg-options', *options] if options else []))
    records = {}
    for path in paths:
        record = BenchmarkRecord.load(path)
        records[record.task] = record
    assert sorted(records) == sorted(tasks)
    return records


def check_record(record, names, task):
    assert record.method == 'LGD' and record.student == 'r18'
    assert record.protocol == task and record.teacher == 'lgd-tiny-rn'
    assert set(names) <= set(record.metrics), record.metrics
    assert all(math.isfinite(v) for v in record.metrics.values())
    assert 11.0 < record.params_m < 11.4  # ResNet-18 without fc
    assert record.flops_g > 0
    assert record.extra['seed'] == 0
    assert record.extra['pretrain_mean'] == [122.771, 116.746, 104.094]
    # the overrides that cut the data down are kept and mark the record
    assert any(
        s.startswith('transfer ') and '.indices=' in s
        for s in record.shortened), record.shortened
    assert record.extra['overrides']
    # the load check ran inside the Runner and found every tensor
    logs = glob.glob(osp.join(record.extra['work_dir'], '*', '*.log'))
    text = ''.join(open(p).read() for p in logs)
    assert 'BackboneLoadCheckHook (loaded): backbone: ' in text
    assert '(100.0%) loaded' in text


def _coco_loader(root, split, indices):
    return dict(
        **LOADER,
        dataset=dict(
            data_root=root,
            metainfo=METAINFO,
            indices=indices,
            ann_file=f'annotations/instances_{split}.json',
            data_prefix=dict(img=f'{split}/')))


def test_det_mask_rcnn_and_retinanet(lgd_checkpoint, toyworld, tmp_path):
    root = f'{toyworld}/coco/'
    data = dict(
        train_dataloader=dict(_coco_loader(root, 'train', 2), batch_size=2),
        val_dataloader=_coco_loader(root, 'val', 3),
        val_evaluator=dict(ann_file=root + 'annotations/instances_val.json'),
        train_cfg=dict(max_epochs=1),
        **QUICK)
    shared = write_fragment(tmp_path / 'coco.py', **data)
    sizes = [
        'train_dataloader.dataset.pipeline.2.scale=(96,96)',
        'val_dataloader.dataset.pipeline.1.scale=(96,96)'
    ]
    # untrained detectors: keep every box so CocoMetric has numbers
    mask_rcnn = write_fragment(
        tmp_path / 'mask_rcnn.py',
        model=dict(
            roi_head=dict(
                bbox_head=dict(num_classes=NUM_CLASSES),
                mask_head=dict(num_classes=NUM_CLASSES)),
            train_cfg=dict(
                rpn_proposal=dict(nms_pre=200, max_per_img=100),
                rcnn=dict(sampler=dict(num=64))),
            test_cfg=dict(
                rpn=dict(nms_pre=200, max_per_img=50),
                rcnn=dict(score_thr=0.0, max_per_img=20))))
    rec = run(lgd_checkpoint, tmp_path, ['coco_mask-rcnn_fpn_1x'],
              [shared, mask_rcnn], sizes)['coco_mask-rcnn_fpn_1x']
    check_record(rec, ['box_AP', 'box_AP50', 'box_AP75', 'mask_AP'],
                 'coco_mask-rcnn_fpn_1x')
    assert rec.dataset == 'COCO' and rec.extra['gpus_x_batch'] == '1x2'

    retina = write_fragment(
        tmp_path / 'retina.py',
        model=dict(
            bbox_head=dict(num_classes=NUM_CLASSES),
            test_cfg=dict(score_thr=0.0, nms_pre=100, max_per_img=20)))
    rec = run(lgd_checkpoint, tmp_path, ['coco_retinanet_fpn_1x'],
              [shared, retina], sizes)['coco_retinanet_fpn_1x']
    check_record(rec, ['box_AP', 'box_AP50', 'box_AP75'],
                 'coco_retinanet_fpn_1x')
    assert 'mask_AP' not in rec.metrics


def test_seg_upernet_and_semantic_fpn(lgd_checkpoint, toyworld, tmp_path):
    loader = dict(
        **LOADER,
        dataset=dict(type='ToyWorldSegDataset', data_root=f'{toyworld}/ade'))
    shared = write_fragment(
        tmp_path / 'ade.py',
        custom_imports=dict(
            imports=['lgd_mm.engine', 'lgd_mm.datasets', 'mmpretrain.models'],
            allow_failed_imports=False),
        train_dataloader=dict(loader, batch_size=2),
        val_dataloader=loader,
        test_dataloader=loader,
        train_cfg=dict(max_iters=1, val_interval=1),
        **QUICK)
    sizes = [
        'model.data_preprocessor.size=(64,64)',
        'train_dataloader.dataset.indices=2',
        'val_dataloader.dataset.indices=3',
        'train_dataloader.dataset.pipeline.2.scale=(128,64)',
        'train_dataloader.dataset.pipeline.3.crop_size=(64,64)',
        'val_dataloader.dataset.pipeline.1.scale=(128,64)',
        f'model.decode_head.num_classes={NUM_CLASSES}',
    ]
    upernet = sizes + [
        'model.decode_head.channels=32',
        f'model.auxiliary_head.num_classes={NUM_CLASSES}',
        'model.auxiliary_head.channels=16'
    ]
    rec = run(lgd_checkpoint, tmp_path, ['ade20k_upernet_160k'], [shared],
              upernet)['ade20k_upernet_160k']
    check_record(rec, ['mIoU', 'mAcc', 'aAcc'], 'ade20k_upernet_160k')
    assert 0 <= rec.metrics['mIoU'] <= 100 and rec.dataset == 'ADE20K'
    rec = run(lgd_checkpoint, tmp_path, ['ade20k_fpn_80k'], [shared],
              sizes + ['model.decode_head.channels=32'])['ade20k_fpn_80k']
    check_record(rec, ['mIoU', 'mAcc'], 'ade20k_fpn_80k')


def _cls_loader(toyworld, indices, batch):
    return dict(
        batch_size=batch,
        **LOADER,
        dataset=dict(
            data_root=f'{toyworld}/cls', metainfo=METAINFO, indices=indices))


TEST_SIZES = ['pipeline.1.scale=36', 'pipeline.2.crop_size=32']


def test_cls_linear_knn_zero_shot(lgd_checkpoint, toyworld, tmp_path):
    linear = write_fragment(
        tmp_path / 'linear.py',
        data_preprocessor=dict(num_classes=NUM_CLASSES),
        model=dict(head=dict(num_classes=NUM_CLASSES)),
        train_dataloader=_cls_loader(toyworld, 8, 4),
        val_dataloader=_cls_loader(toyworld, 16, 8),
        test_dataloader=_cls_loader(toyworld, 16, 8),
        train_cfg=dict(max_epochs=1),
        **QUICK)
    rec = run(lgd_checkpoint, tmp_path, ['in1k_linear'], [linear], [
        'train_dataloader.dataset.pipeline.1.scale=32',
        *[f'val_dataloader.dataset.{s}' for s in TEST_SIZES]
    ])['in1k_linear']
    check_record(rec, ['top1', 'top5'], 'in1k_linear')

    knn = write_fragment(
        tmp_path / 'knn.py',
        test_dataloader=_cls_loader(toyworld, 16, 8),
        test_cfg=dict(memory_dataloader=_cls_loader(toyworld, 32, 16)))
    rec = run(lgd_checkpoint, tmp_path, ['in1k_knn'], [knn], [
        *[f'test_dataloader.dataset.{s}' for s in TEST_SIZES],
        *[f'test_cfg.memory_dataloader.dataset.{s}' for s in TEST_SIZES]
    ])['in1k_knn']
    check_record(rec, ['top1', 'top5'], 'in1k_knn')

    zero_shot = write_fragment(
        tmp_path / 'zero_shot.py',
        # projector widths and teacher follow the checkpoint automatically
        model=dict(
            text_bank=dict(
                vocab=f'{toyworld}/classnames.txt',
                templates='simple',
                cache_dir=str(tmp_path / 'text_banks'))),
        test_dataloader=dict(
            batch_size=8,
            pin_memory=False,
            **LOADER,
            dataset=dict(data_root=f'{toyworld}/cls', indices=8)))
    rec = run(lgd_checkpoint, tmp_path, ['in1k_zero_shot'], [zero_shot],
              [f'test_dataloader.dataset.{s}'
               for s in TEST_SIZES])['in1k_zero_shot']
    check_record(rec, ['top1'], 'in1k_zero_shot')
    assert 'teacher_top1' in rec.extra  # the teacher's own zero-shot
    export = osp.join(
        str(tmp_path / 'bench'), 'pretrained', 'backbone_head.pth')
    assert rec.extra['work_dir'].startswith(str(tmp_path))
    assert osp.isfile(export)


def test_zero_shot_needs_a_projector(toyworld, tmp_path):
    """A backbone-only (e.g. supervised) file cannot run zero-shot."""
    import torch
    import torchvision
    src = str(tmp_path / 'tv.pth')
    torch.save(torchvision.models.resnet18().state_dict(), src)
    with pytest.raises(ValueError, match='no projector'):
        benchmark.main([
            src, '--tasks', 'in1k_zero_shot', '--work-dir',
            str(tmp_path / 'w'), '--dry-run'
        ])
