"""Optional caches fail soft and are checked: the BINGO neighbour cache
(empty / truncated / foreign / out-of-range / all-zero files are named and
rebuilt, default location inside the work dir) and a full disk under the
text-bank cache."""
import errno
import os
from types import SimpleNamespace

import pytest
import torch
from torch import nn

import lgd_mm.datasets.bingo_neighbors as bingo_neighbors
from lgd_mm.datasets.bingo_neighbors import load_bags, save_bags
from lgd_mm.engine.hooks import bag_neighbors_hook
from lgd_mm.models.banks.neighbor_bags import NeighborBags
from lgd_mm.models.banks.text_bank import TextualSemanticsBank
from lgd_mm.models.teachers.factory import create_clip_model

NUM, K = 6, 2


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, 'No space left on device')


# -- load_bags: every bad file is named and gives None (rebuild) ----------
def _bad_files(tmp_path, key):
    good = torch.tensor([[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4]],
                        dtype=torch.int32)
    path = str(tmp_path / 'good.pth')
    save_bags(path, key, good, dict(k=K))
    raw = open(path, 'rb').read()
    files = {
        'empty': b'',
        'truncated': raw[:len(raw) // 2],
        'foreign': None,  # a text-bank cache
        'other key': ('f' * 64, good),
        'out of range': (key, good + 3),
        'all zero': (key, torch.zeros(NUM, K, dtype=torch.int32)),
        'wrong shape': (key, good[:4]),
    }
    out = {}
    for name, content in files.items():
        bad = str(tmp_path / f'{name.replace(" ", "_")}.pth')
        if isinstance(content, bytes):
            open(bad, 'wb').write(content)
        elif content is None:
            torch.save(dict(bank=torch.zeros(4, 3), key=key), bad)
        else:
            save_bags(bad, content[0], content[1], dict(k=K))
        out[name] = bad
    return path, good, out


@pytest.mark.parametrize('case', [
    ('empty', 'unreadable'),
    ('truncated', 'unreadable'),
    ('foreign', 'not a BINGO neighbour cache'),
    ('other key', 'made for another key'),
    ('out of range', 'indices out of range: 3..8 for 6 images'),
    ('all zero', 'all-zero table'),
    ('wrong shape', 'shape (4, 2), expected (6, 2)'),
])
def test_bad_cache_file_is_named_and_rebuilt(tmp_path, case):
    name, reason = case
    key = 'a' * 64
    path, good, bad = _bad_files(tmp_path, key)
    assert torch.equal(load_bags(path, key, NUM, K), good)
    with pytest.warns(UserWarning) as caught:
        assert load_bags(bad[name], key, NUM, K) is None
    msg = str(caught[0].message)
    assert bad[name] in msg and reason in msg and 'recomputing' in msg


# -- BagNeighborsHook with a stub BINGO model (features are random) -------
class _Data:
    """What the hook reads from an InstanceBagDataset."""

    def __init__(self):
        self.dataset, self.neighbors = self, None

    def __len__(self):
        return NUM

    def get_data_info(self, i):
        return dict(img_path=f'img{i}.jpg')

    def set_neighbors(self, table):
        self.neighbors = table


def _model():
    model = nn.Module()
    model.bags = NeighborBags(num_neighbors=K)
    model.teacher = SimpleNamespace(
        model_name='stub', fingerprint=lambda: 'stub-weights')
    model.teacher_embed = model.data_preprocessor = None
    return model


def _run_hook(work_dir, monkeypatch, calls):

    def embed(*args):
        calls.append(1)
        return torch.randn(NUM, 8, generator=torch.Generator().manual_seed(0))

    monkeypatch.setattr(bag_neighbors_hook, 'embed_dataset', embed)
    data, model = _Data(), _model()
    runner = SimpleNamespace(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=SimpleNamespace(dataset=data))
    bag_neighbors_hook.BagNeighborsHook(num_workers=0).before_train(runner)
    return data


def test_hook_cache_lives_in_the_work_dir_and_bad_files_are_rebuilt(
        tmp_path, monkeypatch):
    work, calls = tmp_path / 'work', []
    first = _run_hook(work, monkeypatch, calls)
    files = sorted((work / 'bingo_knn').glob('knn-*.pth'))
    assert len(files) == 1 and calls == [1]
    assert not (tmp_path / 'bingo_knn').exists()  # not shared by siblings
    _run_hook(work, monkeypatch, calls)
    assert calls == [1]  # from the cache
    path = str(files[0])
    for damage in (b'', open(path, 'rb').read()[:50]):
        open(path, 'wb').write(damage)
        with pytest.warns(UserWarning, match=f'cache {path} is unreadable'):
            again = _run_hook(work, monkeypatch, calls)
        assert torch.equal(again.neighbors, first.neighbors)
    assert calls == [1, 1, 1]
    # the rebuilt file is valid again
    _run_hook(work, monkeypatch, calls)
    assert calls == [1, 1, 1]
    # an all-zero table under the right key is refused too
    blob = torch.load(path, weights_only=True)
    blob['neighbors'].zero_()
    torch.save(blob, path)
    with pytest.warns(UserWarning, match='all-zero table'):
        _run_hook(work, monkeypatch, calls)
    assert calls == [1, 1, 1, 1]


def test_bingo_cache_write_failure_warns_and_training_goes_on(
        tmp_path, monkeypatch):
    monkeypatch.setattr(bingo_neighbors, 'atomic_torch_save', _disk_full)
    with pytest.warns(
            UserWarning,
            match='could not write the BINGO '
            'neighbour cache .*No space left on device'):
        data = _run_hook(tmp_path / 'work', monkeypatch, [])
    assert data.neighbors.shape == (NUM, K)


def test_text_bank_cache_on_a_full_disk_warns_and_goes_on(
        tmp_path, monkeypatch):
    import lgd_mm.models.banks.text_bank as text_bank
    monkeypatch.setattr(text_bank, 'atomic_torch_save', _disk_full)
    torch.manual_seed(0)
    model, tokenizer = create_clip_model('lgd-tiny-rn')
    cache = str(tmp_path / 'banks')
    bank = TextualSemanticsBank(
        vocab=['cat', 'dog'], templates=['a photo of a {}.'], cache_dir=cache)
    with pytest.warns(UserWarning) as caught:
        out = bank.build(model, tokenizer, 'lgd-tiny-rn')
    msg = str(caught[0].message)
    assert 'could not write the text bank cache' in msg
    assert cache in msg and 'No space left on device' in msg
    assert out.shape[1] == 2 and bank.is_built
    assert 'cache_file' not in bank.meta
    assert not os.path.exists(cache) or not os.listdir(cache)
