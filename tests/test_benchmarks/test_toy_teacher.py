"""Toy CLIP teacher: training lowers the loss, the cache is reused and the
checkpoint is a normal open_clip checkpoint (on the 'ci' ToyWorld); the
Runner config keeps the hand-written loop's schedule and decay groups."""
import json
import math
import os

import open_clip
import pytest
import torch

from lgd_mm.models.teachers import CLIPTeacher
from lgd_mm.benchmark import toy_teacher as toy_clip
from lgd_mm.benchmark.toy_teacher import (TOY_CLIP_MODEL, get_toy_teacher,
                                             sidecar_path, toy_clip_cache_key,
                                             toy_clip_config, train_toy_clip)
from lgd_mm.registry import MODELS, PARAM_SCHEDULERS

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


def test_schedule_is_per_step_warmup_then_cosine(toyworld, tmp_path):
    # 'ci': 128 pairs, 4 steps of 32 per epoch, 16 in all, 4 of warm-up
    cfg = toy_clip_config(str(toyworld), str(tmp_path), **TINY)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=TINY['lr'])
    schedulers = [
        PARAM_SCHEDULERS.build(dict(s, optimizer=opt))
        for s in cfg.param_scheduler
    ]
    lrs = []
    for _ in range(16):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        for s in schedulers:
            s.step()
    peak = TINY['lr']
    expected = [peak * (i + 1) / 4 for i in range(4)] + [
        0.5 * peak * (1 + math.cos(math.pi * (i - 4) / 12))
        for i in range(4, 16)
    ]
    torch.testing.assert_close(lrs, expected, rtol=1e-12, atol=0)
    assert cfg.train_cfg.max_epochs == TINY['epochs']
    assert cfg.train_dataloader.batch_size == TINY['batch_size']


def test_no_weight_decay_on_gains_biases_and_temperature(toyworld, tmp_path):
    from mmengine.optim import build_optim_wrapper
    cfg = toy_clip_config(str(toyworld), str(tmp_path), **TINY)
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {
        id(p): g['weight_decay']
        for g in wrapper.optimizer.param_groups
        for p in g['params']
    }
    for name, p in model.named_parameters():
        # open_clip's rule, as in its training script
        no_decay = p.ndim < 2 or 'bn' in name or 'ln' in name \
            or 'bias' in name or 'logit_scale' in name
        assert decay[id(p)] == (0. if no_decay else 0.1), name
    opt = wrapper.optimizer
    assert type(opt) is torch.optim.AdamW
    assert opt.defaults['betas'] == (0.9, 0.98)
    assert opt.defaults['eps'] == 1e-6
