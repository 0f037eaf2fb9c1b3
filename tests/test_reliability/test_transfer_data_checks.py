"""Transfer data and names from files are checked before anything runs.

Real files made at test time: COCO json, ADE20K-layout images and label
PNGs, a backbone export whose metadata names a path.
"""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

import lgd_mm.datasets  # noqa: F401  (ToyWorldSegDataset in mmseg)
from lgd_mm.benchmark import BenchmarkRecord, run
from lgd_mm.benchmark.extract import EXPORT_FORMAT, save_payload
from lgd_mm.datasets import (CocoAnnotationError, SegLabelError,
                             check_config_coco, check_config_seg)


def _coco(path, names, annotations=True):
    data = dict(
        images=[dict(id=1, file_name='a.jpg', width=32, height=32)],
        annotations=[
            dict(id=1, image_id=1, category_id=1, bbox=[2, 2, 10, 10],
                 area=100, iscrowd=0)
        ] if annotations else [],
        categories=[dict(id=i + 1, name=n) for i, n in enumerate(names)])
    path.write_text(json.dumps(data))
    return str(path)


def _det_cfg(root, classes=None):
    dataset = dict(type='CocoDataset', data_root=str(root),
                   ann_file='ann.json')
    if classes is not None:
        dataset['metainfo'] = dict(classes=classes)
    return Config(dict(default_scope='mmdet',
                       train_dataloader=dict(dataset=dataset)))


def test_coco_categories_must_be_the_config_classes(tmp_path):
    _coco(tmp_path / 'ann.json', ['cat', 'dog'])
    assert check_config_coco(_det_cfg(tmp_path, ('cat', 'dog')))
    # a renamed category would be dropped by mmdet without a message
    with pytest.raises(CocoAnnotationError, match=r"(?s)ann\.json.*\['dog'\]"):
        check_config_coco(_det_cfg(tmp_path, ('cat', 'wolf')))
    # no metainfo: the data set type's classes (COCO's 80) are the truth
    with pytest.raises(CocoAnnotationError, match="classes \\['person'"):
        check_config_coco(_det_cfg(tmp_path))
    _coco(tmp_path / 'ann.json', ['cat', 'dog'], annotations=False)
    with pytest.raises(CocoAnnotationError, match='no annotations'):
        check_config_coco(_det_cfg(tmp_path, ('cat', 'dog')))


def _ade(root, label, size=(32, 32), name='x'):
    img_dir = root / 'images' / 'training'
    ann_dir = root / 'annotations' / 'training'
    img_dir.mkdir(parents=True, exist_ok=True)
    ann_dir.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros(size[::-1] + (3, ), np.uint8)).save(
        img_dir / f'{name}.jpg')
    label.save(ann_dir / f'{name}.png')
    return str(ann_dir / f'{name}.png')


def _seg_cfg(root):
    return Config(
        dict(
            default_scope='mmseg',
            train_dataloader=dict(
                dataset=dict(
                    type='ToyWorldSegDataset',
                    data_root=str(root),
                    data_prefix=dict(
                        img_path='images/training',
                        seg_map_path='annotations/training')))))


def test_segmentation_labels_fit_image_and_classes(tmp_path):
    good = tmp_path / 'good'
    _ade(good, Image.fromarray(np.full((32, 32), 16, np.uint8)))
    assert check_config_seg(_seg_cfg(good))  # 16 classes, raw 1..16
    small = tmp_path / 'small'
    path = _ade(small, Image.fromarray(np.zeros((16, 16), np.uint8)))
    with pytest.raises(SegLabelError, match=f'{path}: label map is 16x16'):
        check_config_seg(_seg_cfg(small))
    big = tmp_path / 'big'
    path = _ade(big, Image.fromarray(np.full((32, 32), 17, np.uint8)))
    with pytest.raises(SegLabelError, match=r'value\(s\) \[17\]'):
        check_config_seg(_seg_cfg(big))
    rgb = tmp_path / 'rgb'
    _ade(rgb, Image.fromarray(np.zeros((32, 32, 3), np.uint8)))
    with pytest.raises(SegLabelError, match="mode 'RGB'"):
        check_config_seg(_seg_cfg(rgb))
    empty = tmp_path / 'empty'
    (empty / 'images' / 'training').mkdir(parents=True)
    (empty / 'annotations' / 'training').mkdir(parents=True)
    with pytest.raises(SegLabelError, match='no image found'):
        check_config_seg(_seg_cfg(empty))


@pytest.mark.parametrize('algorithm', ['../../escape', '/tmp/abs_escape'])
def test_metadata_cannot_place_the_work_dir(tmp_path, monkeypatch,
                                            algorithm):
    """``meta.algorithm`` of a file names the default work dir: it stays
    one folder below work_dirs/benchmark whatever it says."""
    from mmpretrain.models import ResNet
    weights = {
        f'backbone.{k}': v
        for k, v in ResNet(depth=18).state_dict().items()
    }
    ckpt = str(tmp_path / 'in' / 'backbone.pth')
    save_payload(
        dict(state_dict=weights,
             meta=dict(format=EXPORT_FORMAT, algorithm=algorithm)), ckpt)
    work = tmp_path / 'cwd'
    work.mkdir()
    monkeypatch.chdir(work)
    run(ckpt, tasks=['toyworld_knn'], dry_run=True)
    made = os.listdir(work / 'work_dirs' / 'benchmark')
    assert len(made) == 1 and '/' not in made[0]
    assert not made[0].startswith('.'), made
    assert not osp.exists(tmp_path / 'escape_r18')
    assert not osp.exists('/tmp/abs_escape_r18')
    # record files are one path component too
    record = BenchmarkRecord(
        method=algorithm, student='r18', task='toyworld_knn',
        metrics=dict(top1=1.0), teacher='-', protocol='toyworld_knn',
        dataset='ToyWorld')
    path = record.dump(str(tmp_path / 'records'))
    assert osp.dirname(path) == str(tmp_path / 'records')
    torch.load(ckpt, weights_only=True)


def test_record_text_is_escaped_in_markdown_and_csv(tmp_path):
    """A method name from a checkpoint can hold table syntax, line breaks
    or a spreadsheet formula; the files keep it as plain text."""
    import csv
    from lgd_mm.benchmark import make_leaderboard
    name = '=HYPERLINK("x")|evil\nrow'
    BenchmarkRecord(
        method=name, student='r18', task='toyworld_knn',
        metrics=dict(top1=12.5), teacher='-', protocol='toyworld_knn',
        dataset='ToyWorld').dump(str(tmp_path / 'records'))
    board = make_leaderboard([str(tmp_path / 'records')],
                             str(tmp_path / 'board'))
    rows = [
        line for line in open(board['md'], encoding='utf-8')
        if line.startswith('| =')
    ]
    assert rows == [rows[0]] and '\\|evil row' in rows[0]
    with open(board['csv'], newline='', encoding='utf-8') as f:
        cells = list(csv.reader(f))[1]
    assert cells[0] == "'" + name


def test_config_numbers_are_finite_and_in_range():
    """Every shipped config passes; NaN anywhere and out-of-range settings
    are named with their dotted key."""
    import glob

    from lgd_mm.utils.config_values import (ConfigValueError,
                                            check_config_values)
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    configs = [
        p for p in glob.glob(osp.join(root, 'configs', '**', '*.py'),
                             recursive=True) if '_base_' not in p
    ]
    assert len(configs) > 60
    for path in configs:
        assert check_config_values(Config.fromfile(path), path) > 0, path
    cfg = Config.fromfile(
        osp.join(root, 'configs', 'lgd',
                 'lgd_r18_clip-rn50_8xb256-amp-coslr-200e_in1k.py'))
    for key, value, match in (
        ('optim_wrapper.optimizer.lr', float('nan'), 'NaN'),
        ('optim_wrapper.optimizer.lr', 0.0, r'lr=0.0 .*\(0.0, inf\)'),
        ('train_dataloader.batch_size', 0, 'batch_size=0'),
        ('model.head.teacher_temp', float('inf'), 'teacher_temp=inf'),
        ('optim_wrapper.optimizer.momentum', 1.5, 'momentum=1.5'),
    ):
        bad = cfg.copy()
        bad.merge_from_dict({key: value})
        with pytest.raises(ConfigValueError, match=match):
            check_config_values(bad, 'x.py')
