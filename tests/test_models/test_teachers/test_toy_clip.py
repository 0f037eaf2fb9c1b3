"""Toy CLIP teacher: training lowers the loss, the cache is reused and the
checkpoint is a normal open_clip checkpoint (on the 'ci' ToyWorld)."""
import json
import os

import open_clip
import pytest
import torch

from lgd_mm.models.teachers import CLIPTeacher
from lgd_mm.models.teachers import toy_clip
from lgd_mm.models.teachers.toy_clip import (TOY_CLIP_MODEL, get_toy_teacher,
                                             sidecar_path, toy_clip_cache_key,
                                             train_toy_clip)

# Small enough for the 128 training images of the 'ci' preset.
TINY = dict(epochs=4, batch_size=32, lr=2e-3)


@pytest.fixture(scope='module')
def trained(toyworld, tmp_path_factory):
    path = str(tmp_path_factory.mktemp('toy_clip') / 'toy.pt')
    return train_toy_clip(str(toyworld), path, seed=0, log=None, **TINY)


@pytest.fixture(scope='module')
def cached(toyworld, tmp_path_factory):
    cache = str(tmp_path_factory.mktemp('toy_clip_cache'))
    path = get_toy_teacher(
        str(toyworld), cache, seed=0, log=None, epochs=2, batch_size=32)
    return cache, path


def test_short_training_lowers_the_loss(trained):
    losses = trained['epoch_losses']
    assert len(losses) == TINY['epochs']
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < losses[0]
    assert not trained['model'].training


def test_checkpoint_reloads_bit_identically(trained):
    state = trained['model'].state_dict()
    loaded = torch.load(
        trained['out_path'], map_location='cpu', weights_only=True)
    assert list(loaded) == list(state)
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key
    # open_clip's own loader and the LGD teacher read the same weights
    clip = open_clip.create_model(
        TOY_CLIP_MODEL, pretrained=trained['out_path'])
    teacher = CLIPTeacher(
        model_name=TOY_CLIP_MODEL, pretrained=trained['out_path'])
    for model in (clip, teacher.clip):
        for key, value in model.state_dict().items():
            assert torch.equal(value, state[key]), key


def test_teacher_gives_normalised_b_by_d_embeddings(trained):
    teacher = CLIPTeacher(
        model_name=TOY_CLIP_MODEL, pretrained=trained['out_path'])
    assert teacher.image_size == (64, 64)
    z = teacher(torch.randn(3, 3, 64, 64))
    assert z.shape == (3, teacher.embed_dim)
    torch.testing.assert_close(z.norm(dim=1), torch.ones(3))


def test_cached_teacher_is_reused_without_training(toyworld, cached,
                                                   monkeypatch):
    cache, path = cached
    assert os.path.dirname(path) == cache and os.path.isfile(path)
    with open(sidecar_path(path)) as f:
        meta = json.load(f)
    assert 0 <= meta['zero_shot_val_top1'] <= 100
    assert len(meta['epoch_losses']) == 2 and meta['train_time_s'] > 0
    stamp = os.stat(path).st_mtime_ns
    before = torch.load(path, weights_only=True)

    def no_training(*args, **kwargs):
        raise AssertionError('the cached teacher should have been used')

    monkeypatch.setattr(toy_clip, 'build_toy_teacher', no_training)
    again = get_toy_teacher(
        str(toyworld), cache, seed=0, log=None, epochs=2, batch_size=32)
    assert again == path
    assert os.stat(path).st_mtime_ns == stamp
    after = torch.load(again, weights_only=True)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_cache_key_follows_settings_and_seed(toyworld):
    root = str(toyworld)
    key = toy_clip_cache_key(root, seed=0, epochs=2)
    assert key == toy_clip_cache_key(root, seed=0, epochs=2)
    assert key != toy_clip_cache_key(root, seed=1, epochs=2)
    assert key != toy_clip_cache_key(root, seed=0, epochs=3)
    with pytest.raises(TypeError, match='unknown toy CLIP settings'):
        get_toy_teacher(root, '/nonexistent', epochs=2, lr_typo=1.)


def test_bad_inputs_are_clear_errors(toyworld, tmp_path):
    with pytest.raises(ValueError, match='multiple of the 16 classes'):
        train_toy_clip(str(toyworld), batch_size=20, log=None)
    with pytest.raises(FileNotFoundError, match='toyworld.json'):
        toy_clip_cache_key(str(tmp_path))
