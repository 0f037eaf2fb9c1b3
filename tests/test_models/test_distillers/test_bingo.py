"""BINGO: kNN pre-pass, bag cache, bag dataset, loss."""
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F

from lgd_mm.datasets import InstanceBagDataset, bag_cache_key, knn_topk
from lgd_mm.datasets.bingo_neighbors import load_bags, save_bags
from lgd_mm.models.banks import NeighborBags
from lgd_mm.models.heads import bank_logits
from lgd_mm.registry import MODELS

sys.path.insert(0, osp.dirname(__file__))
from tiny_baselines import images, teacher_params, tiny_cfg  # noqa: E402


def test_knn_topk_matches_brute_force():
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(50, 8, generator=gen)
    feats[7] = feats[3] * 2  # a duplicate is still a neighbour
    got = knn_topk(feats, k=4, chunk_size=16)  # several chunks
    unit = F.normalize(feats, dim=1)
    sims = unit @ unit.t()
    sims.fill_diagonal_(-2)
    expected = sims.argsort(dim=1, descending=True)[:, :4]
    assert got.dtype == torch.int32 and got.shape == (50, 4)
    assert torch.equal(got.long(), expected)
    assert got[3, 0] == 7 and got[7, 0] == 3
    assert not (got == torch.arange(50).view(-1, 1)).any()  # no self
    with pytest.raises(ValueError, match='k < N'):
        knn_topk(feats[:4], k=4)


def test_cache_key_follows_data_list_teacher_and_k(tmp_path):
    teacher = MODELS.build(
        dict(type='MMPretrainTeacher', backbone=dict(type='ResNet', depth=18)))
    files = [f'img{i}.jpg' for i in range(6)]
    key = bag_cache_key(teacher, files, [dict(type='PackInputs')], 2)
    assert key == bag_cache_key(teacher, list(files),
                                [dict(type='PackInputs')], 2)
    others = [
        bag_cache_key(teacher, files[:5], [dict(type='PackInputs')], 2),
        bag_cache_key(teacher, files[::-1], [dict(type='PackInputs')], 2),
        bag_cache_key(teacher, files, [dict(type='PackInputs')], 3),
    ]
    with torch.no_grad():
        teacher.model['backbone'].conv1.weight.add_(1)
    others.append(bag_cache_key(teacher, files, [dict(type='PackInputs')], 2))
    assert len({key, *others}) == 5
    path = str(tmp_path / 'knn.pth')
    table = torch.arange(12, dtype=torch.int32).view(6, 2)
    save_bags(path, key, table, dict(k=2))
    assert torch.equal(load_bags(path, key), table)
    assert load_bags(path, others[0]) is None  # another data list: rebuild


def test_bag_dataset_pairs_anchor_with_a_bag_member(toyworld):
    dataset = InstanceBagDataset(
        dict(
            type='CustomDataset',
            data_root=f'{toyworld}/cls/train',
            indices=6,
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='PackInputs', meta_keys=['sample_idx'])
            ]))
    with pytest.raises(RuntimeError, match='BagNeighborsHook'):
        dataset[0]
    with pytest.raises(ValueError, match=r'\(6, k\)'):
        dataset.set_neighbors(torch.zeros(5, 2, dtype=torch.int32))
    dataset.set_neighbors(torch.tensor([[5, 5]] * 6))
    item = dataset[2]
    anchor, neighbor = item['inputs']
    assert item['data_samples'].sample_idx == 2
    assert torch.equal(neighbor, dataset.dataset[5]['inputs'])
    assert torch.equal(anchor, dataset.dataset[2]['inputs'])


def test_bingo_loss_pulls_anchor_and_neighbour_to_anchor_teacher():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg('BINGO', intra_weight=0.3, inter_weight=0.7))
    anchor, neighbor = images(4, seed=1), images(4, seed=2)
    old = model.queue.queue.clone()
    losses = model([anchor, neighbor], None, mode='loss')
    with torch.no_grad():
        z_t = model.teacher(anchor)

        def info_nce(x):
            logits = bank_logits(model.student_embed(x), z_t, old, 0.2)
            return F.cross_entropy(logits, torch.zeros(4, dtype=torch.long))

    torch.testing.assert_close(losses['loss_intra'], 0.3 * info_nce(anchor))
    torch.testing.assert_close(losses['loss_inter'], 0.7 * info_nce(neighbor))
    torch.testing.assert_close(model.queue.queue[:, :4], z_t.t())
    sum(losses.values()).backward()
    assert all(p.grad is None for p in teacher_params(model))


def test_bags_buffer_resizes_on_load():
    bags = NeighborBags(num_neighbors=3)
    assert not bags.is_built and bags.key_hex is None
    key = 'ab' * 32
    bags.set(torch.randint(10, (10, 3)), key)
    fresh = NeighborBags(num_neighbors=3)
    fresh.load_state_dict(bags.state_dict())
    assert torch.equal(fresh.neighbors, bags.neighbors)
    assert fresh.key_hex == key


class _Runner:
    """What BagNeighborsHook reads from a runner."""

    def __init__(self, model, dataset, work_dir):
        from types import SimpleNamespace
        self.model, self.work_dir = model, str(work_dir)
        self.train_dataloader = SimpleNamespace(dataset=dataset)


def test_hook_caches_bags_and_rebuilds_for_another_data_list(
        toyworld, tmp_path, monkeypatch):
    from lgd_mm.engine.hooks import bag_neighbors_hook
    calls = []
    real = bag_neighbors_hook.embed_dataset

    def counting(embed, preprocess, dataset, *args):
        calls.append(len(dataset))
        return real(embed, preprocess, dataset, *args)

    monkeypatch.setattr(bag_neighbors_hook, 'embed_dataset', counting)
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(32, 32)),
        dict(type='PackInputs')
    ]
    hook = bag_neighbors_hook.BagNeighborsHook(
        pipeline=pipeline, batch_size=4, num_workers=0)
    model = MODELS.build(tiny_cfg('BINGO', num_neighbors=2))

    def run(num_images):
        dataset = InstanceBagDataset(
            dict(
                type='CustomDataset',
                data_root=f'{toyworld}/cls/train',
                indices=num_images,
                pipeline=pipeline))
        hook.before_train(_Runner(model, dataset, tmp_path / 'work'))
        return dataset

    first = run(8)
    cache = sorted((tmp_path / 'work' / 'bingo_knn').glob('knn-*.pth'))
    assert calls == [8] and len(cache) == 1
    assert torch.equal(first.neighbors, model.bags.neighbors.long())
    model.bags.set(torch.zeros(8, 2, dtype=torch.int32), 'cd' * 32)
    again = run(8)  # stale model bags: the cache answers, no pre-pass
    assert calls == [8]
    assert torch.equal(again.neighbors, first.neighbors)
    run(10)  # another data list: a new pre-pass and cache file
    assert calls == [8, 10]
    assert len(list((tmp_path / 'work' / 'bingo_knn').glob('knn-*.pth'))) == 2
    assert model.bags.neighbors.shape == (10, 2)
