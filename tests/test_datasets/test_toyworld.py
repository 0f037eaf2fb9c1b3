"""ToyWorld: determinism, label consistency and loading by the stock tools."""
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO

from lgd_mm.datasets.toyworld import (TOYWORLD_CLASSES, TOYWORLD_COLOURS,
                                      TOYWORLD_PALETTE, TOYWORLD_SHAPES,
                                      ToyWorldSegDataset, class_folder,
                                      decode_polygons, generate_toyworld)
from lgd_mm.datasets.toyworld.render import mask_to_polygons

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
K = len(TOYWORLD_CLASSES)
CI = dict(cls_train=8 * K, cls_val=4 * K, scenes_train=24, scenes_val=8)


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('toyworld') / 'seed0')
    return out, generate_toyworld(out, seed=0, preset='ci', progress=False)


def _tree(root):
    """Relative path -> sha1 of the bytes, for every file under ``root``."""
    digests = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                digests[osp.relpath(path, root)] = hashlib.sha1(
                    f.read()).hexdigest()
    return digests


def _coco(out, split):
    return COCO(
        osp.join(out, 'coco', 'annotations', f'instances_{split}.json'))


def test_classes_and_summary(world):
    out, summary = world
    assert 12 <= K <= 20 and len(set(TOYWORLD_CLASSES)) == K
    for name in TOYWORLD_CLASSES:
        colour, shape = name.split(' ')
        assert colour in TOYWORLD_COLOURS and shape in TOYWORLD_SHAPES
    # folder order (what CustomDataset sorts by) is class-index order
    folders = [class_folder(c) for c in TOYWORLD_CLASSES]
    assert sorted(folders) == folders
    assert len(TOYWORLD_PALETTE) == K
    assert len({tuple(c) for c in TOYWORLD_PALETTE}) == K
    with open(osp.join(out, 'classnames.txt')) as f:
        assert f.read().splitlines() == list(TOYWORLD_CLASSES)
    with open(osp.join(out, 'toyworld.json')) as f:
        assert json.load(f) == summary
    assert summary['seed'] == 0 and summary['preset'] == 'ci'
    for key, n in CI.items():
        assert summary['counts'][key] == n
    assert summary['counts']['instances_train'] >= CI['scenes_train']


def test_same_seed_same_bytes(world, tmp_path):
    out, _ = world
    ref = _tree(out)
    assert len(ref) > CI['cls_train'] + CI['cls_val']
    # a pool of workers must not change a byte
    again = str(tmp_path / 'again')
    generate_toyworld(
        again, seed=0, preset='ci', num_workers=2, progress=False)
    assert _tree(again) == ref
    other = str(tmp_path / 'seed1')
    generate_toyworld(other, seed=1, preset='ci', progress=False)
    new = _tree(other)
    images = [k for k in ref if k.endswith('.jpg')]
    assert all(new.get(k) != ref[k] for k in images)


def test_idempotent_overrides_and_refusal(world, tmp_path):
    out, summary = world
    meta = osp.join(out, 'toyworld.json')
    stamp = os.stat(meta).st_mtime_ns
    assert generate_toyworld(out, seed=0, preset='ci') == summary
    assert os.stat(meta).st_mtime_ns == stamp  # nothing was rewritten

    small = str(tmp_path / 'small')
    ovr = dict(
        cls_train_per_class=2, cls_val_per_class=1, scene_train=3, scene_val=2)
    got = generate_toyworld(small, preset='ci', overrides=ovr, progress=False)
    assert got['counts']['cls_train'] == 2 * K
    assert got['counts']['scenes_val'] == 2
    # image j of class k depends on (seed, split, k, j) only
    rel = osp.join('cls', 'train', class_folder(TOYWORLD_CLASSES[3]),
                   '00001.jpg')
    assert _tree(small)[rel] == _tree(out)[rel]
    # other params in the same dir: the old tree is replaced, not mixed
    generate_toyworld(
        small, preset='ci', overrides=dict(ovr, scene_train=1), progress=False)
    assert os.listdir(osp.join(small, 'coco', 'train')) == ['000000.jpg']
    with pytest.raises(KeyError):
        generate_toyworld(small, preset='ci', overrides=dict(nope=1))
    with pytest.raises(KeyError):
        generate_toyworld(small, preset='huge')

    foreign = tmp_path / 'foreign'
    (foreign / 'coco').mkdir(parents=True)
    with pytest.raises(FileExistsError):
        generate_toyworld(str(foreign), preset='ci', progress=False)


def test_polygons_round_trip_exactly():
    rng = np.random.default_rng(0)
    for _ in range(50):
        mask = np.zeros((40, 40), np.uint8)
        pts = rng.uniform(2, 38, (int(rng.integers(3, 8)), 2))
        cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
        cv2.circle(mask, tuple(int(v) for v in rng.integers(0, 40, 2)),
                   int(rng.integers(2, 9)), 0, -1)
        mask = mask.astype(bool)
        polys = mask_to_polygons(mask)
        if polys is not None:
            assert np.array_equal(decode_polygons(polys, 40, 40), mask)
    # COCO polygons are unioned, so a hole cannot be expressed: refused
    ring = np.zeros((40, 40), np.uint8)
    cv2.circle(ring, (20, 20), 15, 1, -1)
    cv2.circle(ring, (20, 20), 6, 0, -1)
    assert mask_to_polygons(ring.astype(bool)) is None
    assert mask_to_polygons(np.zeros((8, 8), bool)) is None


@pytest.mark.parametrize('split', ['train', 'val'])
def test_coco_boxes_areas_masks_agree(world, split):
    out, _ = world
    coco = _coco(out, split)
    assert sorted(coco.getCatIds()) == list(range(1, K + 1))
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == \
        list(TOYWORLD_CLASSES)
    for img_id in coco.getImgIds():
        info = coco.loadImgs(img_id)[0]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
        assert 1 <= len(anns) <= 4
        img = cv2.imread(osp.join(out, 'coco', split, info['file_name']))
        assert img.shape[:2] == (info['height'], info['width'])
        covered = np.zeros(img.shape[:2], int)
        for ann in anns:
            mask = coco.annToMask(ann).astype(bool)
            ys, xs = np.nonzero(mask)
            # exact: pixel x spans [x, x+1], so w = max - min + 1
            assert ann['bbox'] == [
                xs.min(),
                ys.min(),
                xs.max() - xs.min() + 1,
                ys.max() - ys.min() + 1
            ]
            assert ann['area'] == mask.sum() > 0
            assert ann['iscrowd'] == 0 and 1 <= ann['category_id'] <= K
            covered += mask
            _assert_colour(
                img, mask,
                TOYWORLD_CLASSES[ann['category_id'] - 1].split(' ')[0])
        assert covered.max() == 1  # visible parts never overlap


def _assert_colour(bgr, mask, colour):
    """The painted pixels under a mask have the class colour."""
    core = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    if core.sum() < 4:
        return
    b, g, r = np.median(bgr[core.astype(bool)].astype(int), axis=0)
    dominant = dict(
        red=r > max(g, b) + 30,
        green=g > max(r, b) + 30,
        blue=b > max(r, g) + 30,
        yellow=min(r, g) > b + 50)
    assert dominant[colour], (colour, (r, g, b))


def test_coco_loads_in_mmdet(world):
    from mmcv.transforms import LoadImageFromFile
    from mmdet.datasets import CocoDataset
    from mmdet.datasets.transforms import LoadAnnotations
    out, summary = world
    coco = _coco(out, 'val')
    for poly2mask in (True, False):
        ds = CocoDataset(
            data_root=osp.join(out, 'coco'),
            ann_file='annotations/instances_val.json',
            data_prefix=dict(img='val/'),
            metainfo=dict(classes=TOYWORLD_CLASSES),
            pipeline=[
                LoadImageFromFile(),
                LoadAnnotations(
                    with_bbox=True, with_mask=True, poly2mask=poly2mask)
            ],
            test_mode=False)
        assert len(ds) == summary['counts']['scenes_val']
        for idx in range(len(ds)):
            sample = ds[idx]
            anns = coco.loadAnns(coco.getAnnIds(imgIds=sample['img_id']))
            masks = sample['gt_masks'].to_ndarray().astype(bool)
            assert not sample['gt_ignore_flags'].any()
            assert np.array_equal(
                masks,
                np.stack([coco.annToMask(a) for a in anns]) > 0)
            assert np.array_equal(sample['gt_bboxes_labels'],
                                  [a['category_id'] - 1 for a in anns])
            boxes = [[x, y, x + w, y + h]
                     for x, y, w, h in (a['bbox'] for a in anns)]
            assert np.allclose(sample['gt_bboxes'].numpy(), boxes)


@pytest.mark.parametrize('split,ade', [('train', 'training'),
                                       ('val', 'validation')])
def test_ade_map_is_union_of_instances(world, split, ade):
    out, _ = world
    coco = _coco(out, split)
    for img_id in coco.getImgIds():
        name = coco.loadImgs(img_id)[0]['file_name']
        stem = osp.splitext(name)[0]
        label = Image.open(
            osp.join(out, 'ade', 'annotations', ade, stem + '.png'))
        assert label.mode == 'L'
        expected = np.zeros((label.height, label.width), np.uint8)
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id)):
            expected[coco.annToMask(ann) > 0] = ann['category_id']  # c + 1
        assert np.array_equal(np.asarray(label), expected)
        with open(osp.join(out, 'ade', 'images', ade, name), 'rb') as f1, \
                open(osp.join(out, 'coco', split, name), 'rb') as f2:
            assert f1.read() == f2.read()


def test_ade_loads_in_mmseg(world):
    from mmcv.transforms import LoadImageFromFile
    from mmseg.datasets import ADE20KDataset
    from mmseg.datasets.transforms import LoadAnnotations
    from mmseg.registry import DATASETS as MMSEG_DATASETS

    from lgd_mm.registry import DATASETS
    out, summary = world
    prefix = dict(
        img_path='images/training', seg_map_path='annotations/training')
    root = osp.join(out, 'ade')
    stock = ADE20KDataset(data_root=root, data_prefix=prefix)
    assert len(stock) == summary['counts']['scenes_train']

    assert MMSEG_DATASETS.get('ToyWorldSegDataset') is ToyWorldSegDataset
    assert DATASETS.get('ToyWorldSegDataset') is ToyWorldSegDataset
    ds = MMSEG_DATASETS.build(
        dict(
            type='ToyWorldSegDataset',
            data_root=root,
            data_prefix=prefix,
            pipeline=[LoadImageFromFile(),
                      LoadAnnotations()]))
    assert isinstance(ds, ToyWorldSegDataset)
    assert ds.metainfo['classes'] == TOYWORLD_CLASSES
    assert ds.metainfo['label_map'] is None
    assert len(ds) == len(stock)
    seen = set()
    for idx in range(len(ds)):
        sample = ds[idx]
        png = np.asarray(Image.open(sample['seg_map_path']))
        # reduce_zero_label: background -> 255 (ignore), c + 1 -> c
        expected = np.where(png == 0, 255, png.astype(int) - 1)
        assert np.array_equal(sample['gt_seg_map'], expected)
        assert sample['img'].shape[:2] == png.shape
        seen |= set(np.unique(sample['gt_seg_map']).tolist())
    assert seen <= set(range(K)) | {255} and len(seen) > 2


def test_cls_loads_in_mmpretrain(world):
    from mmcv.transforms import LoadImageFromFile
    from mmpretrain.datasets import CustomDataset, ImageNet
    out, summary = world
    root = osp.join(out, 'cls')
    folders = CustomDataset(data_root=osp.join(root, 'train'))
    assert len(folders) == summary['counts']['cls_train']
    assert [c.replace('_', ' ') for c in folders.CLASSES] == \
        list(TOYWORLD_CLASSES)
    by_path = {
        osp.relpath(d['img_path'], osp.join(root, 'train')): d['gt_label']
        for d in (folders.get_data_info(i) for i in range(len(folders)))
    }
    assert np.bincount(list(by_path.values())).tolist() == [8] * K

    train = ImageNet(
        data_root=root, split='train', metainfo=dict(classes=TOYWORLD_CLASSES))
    assert train.CLASSES == TOYWORLD_CLASSES and len(train) == len(folders)
    for i in range(len(train)):
        info = train.get_data_info(i)
        rel = osp.relpath(info['img_path'], osp.join(root, 'train'))
        assert by_path[rel] == info['gt_label']
    # class names straight from classnames.txt, as a config can pass them
    val = ImageNet(
        data_root=root,
        split='val',
        classes=osp.join(out, 'classnames.txt'),
        pipeline=[LoadImageFromFile()])
    assert val.CLASSES == TOYWORLD_CLASSES
    assert len(val) == summary['counts']['cls_val']
    assert val[0]['img'].shape == (64, 64, 3)

    with open(osp.join(root, 'captions_train.tsv')) as f:
        header, *rows = f.read().splitlines()
    assert header == 'filepath\tcaption' and len(rows) == len(train)
    for row in rows:
        path, text = row.split('\t')
        label = by_path[osp.relpath(path, 'train')]
        assert TOYWORLD_CLASSES[label] in text
        assert osp.isfile(osp.join(root, path))


def test_cli(tmp_path):
    out = str(tmp_path / 'cli')
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'toyworld.py'), '--out', out, '--preset', 'ci',
        '--seed', '3', '--num-workers', '2', '--no-progress'
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert 'time:' in proc.stdout and 'scenes_train=24' in proc.stdout
    with open(osp.join(out, 'toyworld.json')) as f:
        summary = json.load(f)
    assert summary['seed'] == 3 and summary['preset'] == 'ci'
