"""Teacher store: reproducible views, resumable writing, and every bad
store refused before training with a message naming what differs."""
import copy
import json
import os
import os.path as osp
import random
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from lgd_mm.datasets.teacher_store import (ReplayViewDataset, TeacherStore,
                                           TeacherStoreError, cache_teacher,
                                           epoch_views, replay_views_cfg,
                                           seeded_random, split_multi_view)
from lgd_mm.registry import DATASETS, MODELS

sys.path.insert(
    0, osp.join(osp.dirname(osp.dirname(__file__)), 'test_integration'))
from teacher_store_utils import (
    ROOT,
    save_random_clip,  # noqa: E402
    tiny_store_config)


def test_epoch_views_walk_every_view_before_repeating():
    for index in range(5):
        seen = [epoch_views(7, index, e, 4)[0] for e in range(8)]
        assert sorted(seen[:4]) == [0, 1, 2, 3]
        assert sorted(seen[4:]) == [0, 1, 2, 3]
        pair = epoch_views(7, index, 3, 4, count=2)
        assert len(set(pair)) == 2
    # images get their own orders
    orders = {
        tuple(epoch_views(0, i, e, 4)[0] for e in range(4))
        for i in range(20)
    }
    assert len(orders) > 1
    with pytest.raises(ValueError, match='count'):
        epoch_views(0, 0, 0, 2, count=3)


def test_seeded_random_replays_and_restores_outer_state():
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    outer = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    with seeded_random(5):
        a = (random.random(), np.random.rand(), torch.rand(1).item())
    with seeded_random(5):
        b = (random.random(), np.random.rand(), torch.rand(1).item())
    assert a == b
    # the block left the caller's streams where they were
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == outer


@pytest.fixture(scope='module')
def store_setup(toyworld, tmp_path_factory):
    """A 6-image, 2-view store of the tiny teacher (3 shards)."""
    from mmengine.registry import DefaultScope
    tmp = tmp_path_factory.mktemp('store')
    weights = save_random_clip('lgd-tiny-rn', str(tmp / 'teacher.pt'))
    cfg = tiny_store_config(toyworld, tmp / 'work', weights)
    with DefaultScope.overwrite_default_scope('lgd_mm'):
        cache_teacher(
            cfg, str(tmp / 'store'), num_views=2, shard_size=2, num_workers=0)
    return cfg, str(tmp / 'store'), tmp


@pytest.fixture
def store(store_setup, tmp_path):
    """A private copy of the store that a test may damage."""
    cfg, path, _ = store_setup
    copy_path = str(tmp_path / 'store')
    shutil.copytree(path, copy_path)
    return copy.deepcopy(cfg), copy_path


def _dataset(cfg, store, **kwargs):
    return ReplayViewDataset(
        dataset=cfg.train_dataloader.dataset.to_dict(), store=store, **kwargs)


def test_store_layout_and_reads(store):
    cfg, path = store
    s = TeacherStore(path)
    assert (s.num_images, s.num_views, s.embed_dim) == (6, 2, 32)
    assert len(s.manifest['shards']) == 3
    emb = s.get(5)
    assert emb.shape == (2, 32) and emb.dtype == np.float16
    np.testing.assert_allclose(
        np.linalg.norm(emb.astype(np.float32), axis=1), 1, atol=2e-3)
    assert not np.array_equal(emb[0], emb[1])  # two different views
    with pytest.raises(IndexError, match='6 images'):
        s.get(6)


def test_resume_fills_only_missing_shards(store):
    cfg, path = store
    before = {
        f: os.stat(osp.join(path, f)).st_mtime_ns
        for f in ('shard-00000.npy', 'shard-00002.npy')
    }
    full = TeacherStore(path).get(3).copy()
    # a kill during shard 1: the manifest still says incomplete
    os.remove(osp.join(path, 'shard-00001.npy'))
    manifest = json.load(open(osp.join(path, 'manifest.json')))
    manifest['complete'] = False
    json.dump(manifest, open(osp.join(path, 'manifest.json'), 'w'))
    with pytest.raises(
            TeacherStoreError, match=r'incomplete: 1 of 3 shards missing'):
        TeacherStore(path)
    result = cache_teacher(cfg, path, num_views=2, shard_size=2, num_workers=0)
    assert result['views'] == 4  # one shard of 2 images x 2 views
    for f, mtime in before.items():
        assert os.stat(osp.join(path, f)).st_mtime_ns == mtime, f
    np.testing.assert_array_equal(TeacherStore(path).get(3), full)


def test_truncated_and_missing_shards_are_refused(store):
    cfg, path = store
    shard = osp.join(path, 'shard-00001.npy')
    with open(shard, 'r+b') as f:
        f.truncate(os.path.getsize(shard) - 10)
    with pytest.raises(
            TeacherStoreError, match='shard-00001.npy is .* bytes.*truncated'):
        _dataset(cfg, path)
    os.remove(shard)
    with pytest.raises(TeacherStoreError, match='shard-00001.npy is missing'):
        TeacherStore(path)


def test_not_a_store(tmp_path):
    with pytest.raises(TeacherStoreError, match='does not exist'):
        TeacherStore(str(tmp_path / 'nowhere'))
    with pytest.raises(TeacherStoreError, match='no manifest.json'):
        TeacherStore(str(tmp_path))


def test_other_data_or_views_are_refused(store):
    cfg, path = store
    data = cfg.train_dataloader.dataset
    data.indices = 5
    with pytest.raises(
            TeacherStoreError,
            match='another data list.*num_images: store 6, this '
            'run 5'):
        _dataset(cfg, path)
    data.indices = 6
    data.pipeline[1].scale = 48
    with pytest.raises(
            TeacherStoreError,
            match='another view pipeline or seed.*pipeline'):
        _dataset(cfg, path)
    data.pipeline[1].scale = 32
    with pytest.raises(ValueError, match='holds the views of seed 0'):
        _dataset(cfg, path, seed=1)
    with pytest.raises(
            TeacherStoreError,
            match='holds 2 views per image; this run asks for 3'):
        _dataset(cfg, path, num_views=3)
    assert _dataset(cfg, path, num_views=1).num_views == 1


def test_other_teacher_or_normalisation_is_refused(store, tmp_path):
    cfg, path = store
    other = save_random_clip('lgd-tiny-rn', str(tmp_path / 'other.pt'), seed=1)
    teacher = dict(cfg.model.teacher, pretrained=other)
    with pytest.raises(
            TeacherStoreError,
            match='another teacher .*weights: store [0-9a-f]{16}'):
        MODELS.build(dict(type='StoredTeacher', store=path, teacher=teacher))
    model = replay_views_cfg(copy.deepcopy(cfg), store=path).model
    model.data_preprocessor = dict(cfg.data_preprocessor, mean=[0, 0, 0])
    with pytest.raises(
            TeacherStoreError, match='another input normalisation.*mean'):
        MODELS.build(model)


def test_store_needs_views_and_a_supported_method(store, tmp_path):
    cfg, path = store
    with pytest.raises(ValueError, match='--views must be >= 1'):
        cache_teacher(cfg, str(tmp_path / 'k0'), num_views=0)
    supervised = copy.deepcopy(cfg)
    supervised.model.type = 'ImageClassifier'
    with pytest.raises(ValueError, match="'ImageClassifier'.*supports_store"):
        replay_views_cfg(supervised, store=path)
    # DisCo's MultiView pairs two distinct stored views: K=1 is too few
    one_view = str(tmp_path / 'k1')
    cache_teacher(cfg, one_view, num_views=1, num_workers=0)
    disco = copy.deepcopy(cfg)
    disco.model.type = 'DisCo'
    pipeline = disco.train_dataloader.dataset.pipeline
    disco.train_dataloader.dataset.pipeline = [pipeline[0]] + [
        dict(type='MultiView', num_views=2, transforms=[pipeline[1:-1]])
    ] + [pipeline[-1]]
    replayed = replay_views_cfg(disco, store=one_view).train_dataloader
    assert replayed.dataset.dataset.pipeline == pipeline
    with pytest.raises(
            ValueError, match='views_per_item=2 needs 1..num_views'):
        DATASETS.build(replayed.dataset)
    # a store of other settings in the --out folder is not overwritten
    with pytest.raises(TeacherStoreError, match='other settings .*num_views'):
        cache_teacher(cfg, path, num_views=3, shard_size=2, num_workers=0)


def test_split_multi_view():
    view = [dict(type='RandomFlip', prob=0.5)]
    steps, count = split_multi_view([
        dict(type='LoadImageFromFile'),
        dict(type='MultiView', num_views=[2], transforms=[view]),
        dict(type='PackInputs')
    ])
    assert count == 2 and [s['type'] for s in steps] == [
        'LoadImageFromFile', 'RandomFlip', 'PackInputs'
    ]
    assert split_multi_view([dict(type='PackInputs')
                             ]) == ([dict(type='PackInputs')], 1)
    with pytest.raises(ValueError, match='one view pipeline repeated'):
        split_multi_view([
            dict(
                type='MultiView',
                num_views=[1, 1],
                transforms=[view, [dict(type='GaussianBlur')]])
        ])


def test_stored_teacher_needs_replayed_items(store):
    cfg, path = store
    # the plain sampler's int indices are refused by the replay dataset
    with pytest.raises(TypeError, match='ReplayViewSampler'):
        _dataset(cfg, path)[0]
    teacher = MODELS.build(
        dict(type='StoredTeacher', store=path, teacher=cfg.model.teacher))
    from mmpretrain.structures import DataSample
    with pytest.raises(ValueError, match='ReplayViewDataset'):
        teacher(torch.zeros(1, 3, 8, 8), [DataSample()])


def test_train_cli_from_store_without_image_tower(store, tmp_path):
    """tools/train.py --teacher-store: trains, logs no teacher zero-shot
    column (the store holds training views only)."""
    cfg, path = store
    sys.path.insert(0, osp.join(ROOT, 'tests', 'test_integration'))
    from lgd_tiny_options import as_cli
    opts = {k: v for k, v in _flat(cfg).items()}
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools/train.py'),
        osp.join(ROOT, 'configs/lgd/lgd_mbv3_in1k.py'), '--work-dir',
        str(tmp_path / 'work'), '--teacher-store', path
    ] + as_cli(opts)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert log.count('loss_vis:') == 6
    assert 'zero_shot/top1' in log and 'teacher_top1' not in log


def _flat(cfg):
    """The tiny options of ``cfg`` that differ from the config file."""
    from teacher_store_utils import tiny_lgd_options
    opts = tiny_lgd_options(
        cfg.model.text_bank.vocab.rsplit('/', 1)[0], cfg.work_dir)
    opts.update({
        'model.teacher.pretrained': cfg.model.teacher.pretrained,
        'model.neck.out_channels': 32,
        'default_hooks.checkpoint.interval': 2,
        'train_cfg.val_interval': 2,
    })
    return opts


def test_two_processes_write_one_store(store_setup, tmp_path):
    """tools/cache_teacher.py under torchrun: each rank writes its shards,
    rank 0 one manifest; the embeddings equal a one-process store's."""
    cfg, single, _ = store_setup
    out = str(tmp_path / 'store2')
    opts = _flat(cfg)
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        '--master_port=29541',
        osp.join(ROOT, 'tools/cache_teacher.py'),
        osp.join(ROOT, 'configs/lgd/lgd_mbv3_in1k.py'), '--views', '2',
        '--out', out, '--shard-size', '2', '--num-workers', '0', '--launcher',
        'pytorch', '--cfg-options'
    ] + [f'{k}={v}' for k, v in opts.items()]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    two, one = TeacherStore(out), TeacherStore(single)
    assert two.manifest['key'] == one.manifest['key']
    for index in range(6):
        np.testing.assert_array_equal(two.get(index), one.get(index))
