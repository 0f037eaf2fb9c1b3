"""A run from the teacher store equals the online run that sees the same
views (issue: teacher-embedding store, point 3).

Both runs train with lr 0: the Runner, loader, sampler epochs, replayed
views, store reads, losses and LGKA updates all run, but the student does
not move. With a learning rate, differences of ~1e-8 (the teacher's
convolutions batch the views differently in the store pass) are amplified
by training: measured at lr 0.01 (toy teacher, fp32 store) the loss of
step 4 differed by 1e-4 and step 5 by 0.15, at lr 0.001 step 5 by 0.05,
while two online runs agree bit for bit.

Tolerances: a float32 store holds the teacher's own numbers (1e-7 apart),
asserted at 1e-5; a float16 store rounds each entry by up to 2**-11
relative, asserted at 5e-3 on losses and the Visual Semantics Bank and at
2e-3 on each embedding.
"""
import copy
import os.path as osp

import pytest
import torch

from lgd_mm.datasets.teacher_store import cache_teacher, replay_views_cfg
from lgd_mm.engine.runner import build_runner
from teacher_store_utils import save_random_clip, tiny_store_config

LOSS_KEYS = ('loss', 'loss_vis', 'loss_tex')


def _train(cfg, name, keys=LOSS_KEYS):
    """Train ``cfg`` in ``<work_dir>/<name>``; the per-step losses ``keys``
    and the trained model."""
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = osp.join(cfg.work_dir, name)
    cfg.experiment_name = name
    runner = build_runner(cfg)
    runner.train()
    hub = runner.message_hub
    losses = {
        k: torch.tensor(hub.get_scalar(f'train/{k}').data[0])
        for k in keys
    }
    return losses, runner.model


@pytest.mark.parametrize(
    'model_name,embed_dim,dtype,rtol', [
        ('lgd-toy-rn', 128, 'float32', 1e-5),
        ('lgd-toy-rn', 128, 'float16', 5e-3),
        ('RN50-quickgelu', 1024, 'float16', 5e-3),
    ],
    ids=['toy-teacher-fp32', 'toy-teacher-fp16', 'rn50-random-fp16'])
def test_stored_run_equals_online_run(tmp_path, toyworld, model_name,
                                      embed_dim, dtype, rtol):
    weights = save_random_clip(model_name, str(tmp_path / 'teacher.pt'))
    cfg = tiny_store_config(
        toyworld,
        tmp_path / 'work',
        weights,
        model_name=model_name,
        embed_dim=embed_dim)
    store = str(tmp_path / 'store')
    cache_teacher(cfg, store, num_views=2, seed=3, dtype=dtype, num_workers=0)

    cfg.optim_wrapper.optimizer.lr = 0.
    online_cfg = replay_views_cfg(copy.deepcopy(cfg), num_views=2, seed=3)
    stored_cfg = replay_views_cfg(copy.deepcopy(cfg), store=store)
    # the stored run reads the store in a loader worker
    stored_cfg.train_dataloader.num_workers = 1
    online, online_model = _train(online_cfg, 'online')
    stored, stored_model = _train(stored_cfg, 'stored')
    online_vsb = online_model.visual_bank.prototypes.detach()
    stored_vsb = stored_model.visual_bank.prototypes.detach()

    assert online['loss'].numel() == 6  # 2 epochs x 3 steps
    for key in LOSS_KEYS:
        torch.testing.assert_close(
            stored[key], online[key], rtol=rtol, atol=rtol, msg=key)
    assert online_vsb.abs().sum() > 0
    torch.testing.assert_close(
        stored_vsb, online_vsb, rtol=0, atol=rtol, msg='VSB')


@pytest.mark.parametrize('dtype,atol', [('float32', 1e-6), ('float16', 2e-3)])
def test_stored_embeddings_are_the_teachers_of_the_replayed_view(
        tmp_path, toyworld, dtype, atol):
    """Every item's stored embedding is the online teacher's embedding of
    the image the item replays, in every epoch."""
    from mmengine.dataset import default_collate

    from lgd_mm.datasets.teacher_store import ReplayViewDataset
    from lgd_mm.registry import MODELS
    weights = save_random_clip('lgd-toy-rn', str(tmp_path / 'teacher.pt'))
    cfg = tiny_store_config(
        toyworld,
        tmp_path / 'work',
        weights,
        model_name='lgd-toy-rn',
        embed_dim=128)
    store = str(tmp_path / 'store')
    cache_teacher(cfg, store, num_views=2, seed=1, dtype=dtype, num_workers=0)
    data = ReplayViewDataset(
        dataset=cfg.train_dataloader.dataset.to_dict(), store=store)
    teacher = MODELS.build(cfg.model.teacher)
    preprocess = MODELS.build(cfg.data_preprocessor)
    for epoch in range(2):
        for index in range(len(data)):
            item = data[(index, epoch)]
            images = preprocess(default_collate([item]), False)['inputs']
            online = teacher(
                images[0] if isinstance(images, list) else images)[0]
            stored = item['data_samples'].teacher_embedding[0].float()
            torch.testing.assert_close(stored, online, rtol=0, atol=atol)


def test_views_differ_by_epoch_and_match_the_store(tmp_path, toyworld):
    """Epochs walk an image's views (not the same view every epoch), and
    an item replays the same pixels and embedding every time."""
    from lgd_mm.datasets.teacher_store import ReplayViewDataset
    weights = save_random_clip('lgd-tiny-rn', str(tmp_path / 'teacher.pt'))
    cfg = tiny_store_config(toyworld, tmp_path / 'work', weights)
    store = str(tmp_path / 'store')
    cache_teacher(cfg, store, num_views=3, seed=0, num_workers=0)
    data = ReplayViewDataset(
        dataset=cfg.train_dataloader.dataset.to_dict(), store=store)
    epochs = [data[(0, e)] for e in range(3)]
    views = [int(s['data_samples'].teacher_views) for s in epochs]
    assert sorted(views) == [0, 1, 2]
    images = [s['inputs'] for s in epochs]
    assert not torch.equal(images[0], images[1])
    # same item twice: same pixels and embedding (replayed, not re-drawn)
    again = data[(0, 1)]
    assert torch.equal(again['inputs'], images[1])
    assert torch.equal(again['data_samples'].teacher_embedding,
                       epochs[1]['data_samples'].teacher_embedding)


BASELINE_LOSSES = dict(
    bingo=('loss', 'loss_intra', 'loss_inter'),
    disco=('loss', 'loss_con', 'loss_consist'))


def _baseline_cfg(algo, toyworld, work, weights):
    from mmengine.config import Config

    from baseline_tiny_options import config_path, tiny_baseline_options
    cfg = Config.fromfile(config_path(algo))
    opts = tiny_baseline_options(algo, toyworld, work, epochs=2)
    opts['model.teacher.pretrained'] = str(weights)
    cfg.merge_from_dict(opts)
    cfg.work_dir = str(work)
    return cfg


@pytest.mark.parametrize('algo', ['bingo', 'disco'])
def test_two_view_methods_from_the_store_equal_online(tmp_path, toyworld,
                                                      algo):
    """BINGO (anchor replayed, neighbour for the student only, bags from
    the store folder) and DisCo (MultiView split into two replayed views)
    from an fp32 store equal their online runs on the same views."""
    weights = save_random_clip('lgd-tiny-rn', str(tmp_path / 'teacher.pt'))
    cfg = _baseline_cfg(algo, toyworld, tmp_path / 'work', weights)
    store = str(tmp_path / 'store')
    result = cache_teacher(
        cfg, store, num_views=2, seed=5, dtype='float32', num_workers=0)
    assert ('bags' in result) == (algo == 'bingo')

    cfg.optim_wrapper.optimizer.lr = 0.
    online_cfg = replay_views_cfg(copy.deepcopy(cfg), num_views=2, seed=5)
    stored_cfg = replay_views_cfg(copy.deepcopy(cfg), store=store)
    if algo == 'disco':
        replay = stored_cfg.train_dataloader.dataset
        assert replay.views_per_item == 2
        assert 'MultiView' not in str(replay.dataset.pipeline)
    stored_cfg.train_dataloader.num_workers = 1
    keys = BASELINE_LOSSES[algo]
    online, online_model = _train(online_cfg, 'online', keys)
    stored, stored_model = _train(stored_cfg, 'stored', keys)

    assert online['loss'].numel() == 6  # 2 epochs x 3 steps
    assert stored_model.reads_store and not online_model.reads_store
    for key in keys:
        torch.testing.assert_close(
            stored[key], online[key], rtol=1e-5, atol=1e-5, msg=key)
    torch.testing.assert_close(
        stored_model.queue.bank, online_model.queue.bank, rtol=0, atol=1e-5)
    if algo == 'bingo':
        assert torch.equal(stored_model.bags.neighbors,
                           online_model.bags.neighbors)


def test_bingo_refuses_a_store_without_its_bags(tmp_path, toyworld):
    import shutil

    from lgd_mm.datasets.bingo_neighbors import STORE_BAGS
    weights = save_random_clip('lgd-tiny-rn', str(tmp_path / 'teacher.pt'))
    cfg = _baseline_cfg('bingo', toyworld, tmp_path / 'work', weights)
    store = str(tmp_path / 'store')
    cache_teacher(cfg, store, num_views=2, num_workers=0)
    shutil.rmtree(osp.join(store, STORE_BAGS))
    runner = build_runner(replay_views_cfg(copy.deepcopy(cfg), store=store))
    with pytest.raises(ValueError, match='holds no BINGO bags') as err:
        runner.train()
    assert store in str(err.value)
    # a rerun of cache_teacher adds the bags, not the views again
    again = cache_teacher(cfg, store, num_views=2, num_workers=0)
    assert again['views'] == 0 and again['bags'] == 'pre-pass'
