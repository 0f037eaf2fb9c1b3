import copy
import glob
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from open_clip import OPENAI_IMAGENET_TEMPLATES

from lgd_mm.models.banks.text_bank import (DEFAULT_CACHE_DIR,
                                           TextualSemanticsBank,
                                           resolve_templates, text_tower_state)
from lgd_mm.models.banks.text_encoder import (encode_text, pooled_positions,
                                              trim_unsupported_reason)
from lgd_mm.models.teachers.factory import create_clip_model
from lgd_mm.registry import MODELS

ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CLASSES = ['teddy_bear', 'cat', '063.electric-guitar-101']
TEMPLATES = ['a photo of a {}.', 'a drawing of the {}.']
# open_clip CustomTextCLIP (a separate .text tower), tiny
CUSTOM_TEXT_CFG = dict(
    embed_dim=16,
    custom_text=True,
    vision_cfg=dict(
        image_size=32, layers=1, width=32, patch_size=8, head_width=16),
    text_cfg=dict(
        context_length=77, vocab_size=49408, width=32, heads=2, layers=1))


@pytest.fixture(scope='module')
def tiny_clip():
    torch.manual_seed(0)
    return create_clip_model('lgd-tiny-rn')


@pytest.fixture
def clip(tiny_clip):
    """A fresh copy of the tiny model whose encode_text calls are counted."""
    model, tokenizer = copy.deepcopy(tiny_clip[0]), tiny_clip[1]
    model.encode_calls = 0
    encode = model.encode_text

    def counting_encode_text(*args, **kwargs):
        model.encode_calls += 1
        return encode(*args, **kwargs)

    model.encode_text = counting_encode_text
    return model, tokenizer


def make_bank(**kwargs):
    cfg = dict(vocab=CLASSES, templates=TEMPLATES)
    cfg.update(kwargs)
    return TextualSemanticsBank(**cfg)


def test_shape_unit_norm_and_state(clip):
    model, tok = clip
    bank = make_bank()
    assert not bank.is_built and bank.embed_dim is None
    assert bank.class_names == ['teddy bear', 'cat', 'electric guitar']
    out = bank.build(model, tok, 'lgd-tiny-rn')
    assert out is bank.bank
    assert bank.bank.shape == (32, 3) and bank.bank.dtype == torch.float32
    assert (bank.num_classes, bank.embed_dim) == (3, 32)
    torch.testing.assert_close(bank.bank.norm(dim=0), torch.ones(3))
    assert not bank.bank.requires_grad
    assert list(bank.state_dict()) == ['bank']
    assert bank.meta['vocab_hash'] == bank.vocab_hash
    assert bank.meta['from_cache'] is False
    assert model.encode_calls == 1  # 6 prompts, one batch


@pytest.mark.parametrize('batch_size', [1, 4, 256])
def test_template_average_matches_hand_computation(clip, batch_size):
    model, tok = clip
    passes = []
    handle = model.transformer.register_forward_hook(
        lambda *_: passes.append(1))
    bank = make_bank(batch_size=batch_size)
    bank.build(model, tok, 'lgd-tiny-rn')
    handle.remove()
    # 6 prompts: batches of 4 straddle classes, batches of 1 do not; two
    # more passes are the one-off check of the trimmed context
    assert len(passes) == 2 + -(-6 // batch_size)
    assert bank.meta['encode_context'] == 'trimmed context'

    with torch.no_grad():
        cols = []
        for name in ['teddy bear', 'cat', 'electric guitar']:
            embs = [
                F.normalize(
                    model.encode_text(tok([t.format(name)]))[0], dim=0)
                for t in TEMPLATES
            ]
            cols.append(F.normalize(torch.stack(embs).mean(0), dim=0))
    expected = torch.stack(cols, dim=1)
    torch.testing.assert_close(bank.bank, expected, atol=1e-6, rtol=1e-5)
    # Each column is the class's own mean, not a global one.
    assert (bank.bank[:, 0] - bank.bank[:, 1]).abs().max() > 1e-3


def test_build_uses_eval_mode_and_restores_it(clip):
    model, tok = clip
    seen = []
    encode = model.encode_text

    def spy(tokens):
        seen.append((model.training, torch.is_grad_enabled()))
        return encode(tokens)

    model.encode_text = spy
    model.train()
    make_bank().build(model, tok, 'lgd-tiny-rn')
    assert seen == [(False, False)]
    assert model.training


def test_openai_templates_are_the_80_open_clip_ones():
    ts = resolve_templates('openai_imagenet')
    assert len(ts) == 80
    assert [t.format('teddy bear') for t in ts
            ] == [fn('teddy bear') for fn in OPENAI_IMAGENET_TEMPLATES]
    assert len(resolve_templates('simple')) == 7
    shout = resolve_templates([lambda c: f'A {c.upper()}!'])[0]
    assert shout('cat') == 'A CAT!'  # non-substitution callables stay


@pytest.mark.parametrize(
    'bad', ['imagenet_80', ['no placeholder'], [], ['{x} of {}']])
def test_bad_templates(bad):
    with pytest.raises(ValueError):
        make_bank(templates=bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match='on_mismatch'):
        make_bank(on_mismatch='ignore')
    with pytest.raises(ValueError, match='batch_size'):
        make_bank(batch_size=0)


def test_cache_miss_then_hit(clip, tmp_path):
    model, tok = clip
    first = make_bank(cache_dir=str(tmp_path))
    first.build(model, tok, 'lgd-tiny-rn')
    assert model.encode_calls == 1
    files = glob.glob(str(tmp_path / '*'))
    assert len(files) == 1
    assert re.fullmatch(r'tsb-custom-[0-9a-f]{16}\.pth',
                        osp.basename(files[0]))
    assert first.meta['cache_file'] == files[0]
    blob = torch.load(files[0], weights_only=True)
    assert blob['key'] == first.meta['cache_key']
    assert blob['class_names'] == first.class_names
    assert blob['model_name'] == 'lgd-tiny-rn'
    torch.testing.assert_close(blob['bank'], first.bank)

    second = make_bank(cache_dir=str(tmp_path))
    second.build(model, tok, 'lgd-tiny-rn')
    assert model.encode_calls == 1  # no text encoding on a hit
    assert second.meta['from_cache'] is True
    assert torch.equal(second.bank, first.bank)


def _tamper(path, **changes):
    blob = torch.load(path, weights_only=True)
    blob.update(changes)
    torch.save(blob, path)


def _built_cache(clip, tmp_path):
    bank = make_bank(cache_dir=str(tmp_path))
    bank.build(*clip, 'lgd-tiny-rn')
    return bank.meta['cache_file'], bank.meta['cache_key'], bank.bank.clone()


def test_cache_mismatch_rebuilds_with_warning(clip, tmp_path):
    model, tok = clip
    path, key, good = _built_cache(clip, tmp_path)
    _tamper(path, key='0' * 64, bank=torch.zeros_like(good))
    bank = make_bank(cache_dir=str(tmp_path))
    with pytest.warns(UserWarning, match=re.escape(path)):
        bank.build(model, tok, 'lgd-tiny-rn')
    assert model.encode_calls == 2  # rebuilt, not loaded
    assert torch.allclose(bank.bank, good, atol=1e-6)
    assert torch.load(path, weights_only=True)['key'] == key  # overwritten


def test_cache_class_name_mismatch_rebuilds(clip, tmp_path):
    model, tok = clip
    path, _, good = _built_cache(clip, tmp_path)
    _tamper(path, class_names=['cat', 'teddy bear', 'electric guitar'])
    bank = make_bank(cache_dir=str(tmp_path))
    with pytest.warns(UserWarning, match='class names differ'):
        bank.build(model, tok, 'lgd-tiny-rn')
    assert model.encode_calls == 2
    assert torch.allclose(bank.bank, good, atol=1e-6)


def test_cache_corrupt_file_rebuilds(clip, tmp_path):
    model, tok = clip
    path, _, good = _built_cache(clip, tmp_path)
    with open(path, 'wb') as f:
        f.write(b'not a checkpoint')
    bank = make_bank(cache_dir=str(tmp_path))
    with pytest.warns(UserWarning, match='unreadable'):
        bank.build(model, tok, 'lgd-tiny-rn')
    assert torch.allclose(bank.bank, good, atol=1e-6)


def test_cache_mismatch_error(clip, tmp_path):
    model, tok = clip
    path, _, good = _built_cache(clip, tmp_path)
    _tamper(path, class_names=['a', 'b', 'c'])
    bank = make_bank(cache_dir=str(tmp_path), on_mismatch='error')
    with pytest.raises(RuntimeError, match='class names differ') as err:
        bank.build(model, tok, 'lgd-tiny-rn')
    assert path in str(err.value)
    assert not bank.is_built and model.encode_calls == 1
    # The suspicious file is left for inspection.
    assert torch.load(
        path, weights_only=True)['class_names'] == ['a', 'b', 'c']


def test_key_depends_on_classes_prompts_model_and_text_weights(clip):
    model, tok = clip
    key = make_bank().cache_key(model, tok, 'lgd-tiny-rn')
    assert key == make_bank().cache_key(model, tok, 'lgd-tiny-rn')
    assert key != make_bank(vocab=CLASSES[:2]).cache_key(
        model, tok, 'lgd-tiny-rn')
    assert key != make_bank(vocab=CLASSES[::-1]).cache_key(
        model, tok, 'lgd-tiny-rn')
    assert key != make_bank(templates=TEMPLATES[:1]).cache_key(
        model, tok, 'lgd-tiny-rn')
    assert key != make_bank().cache_key(model, tok, 'lgd-tiny-vit')

    with torch.no_grad():
        # Image-side weights do not affect text embeddings or the key ...
        next(model.visual.parameters()).add_(1.0)
        assert key == make_bank().cache_key(model, tok, 'lgd-tiny-rn')
        # ... text-side ones do, including loose tensors and the mask.
        model.positional_embedding.add_(1e-3)
        moved = make_bank().cache_key(model, tok, 'lgd-tiny-rn')
        assert moved != key
        model.attn_mask[0, 1] = 0.0
        assert make_bank().cache_key(model, tok, 'lgd-tiny-rn') != moved


def test_changed_weights_miss_the_cache(clip, tmp_path):
    model, tok = clip
    make_bank(cache_dir=str(tmp_path)).build(model, tok, 'lgd-tiny-rn')
    with torch.no_grad():
        model.ln_final.weight.mul_(2.0)
    bank = make_bank(cache_dir=str(tmp_path))
    bank.build(model, tok, 'lgd-tiny-rn')
    assert model.encode_calls == 2 and bank.meta['from_cache'] is False
    assert len(glob.glob(str(tmp_path / 'tsb-*.pth'))) == 2


def test_custom_text_clip(tmp_path):
    model, tok = create_clip_model(
        'lgd-tiny-customtext', model_cfg=CUSTOM_TEXT_CFG)
    assert type(model).__name__ == 'CustomTextCLIP'
    state = text_tower_state(model)
    assert state and all(k.startswith('text.') for k in state)
    bank = make_bank(cache_dir=str(tmp_path))
    bank.build(model, tok, 'lgd-tiny-customtext')
    assert bank.bank.shape == (16, 3)
    key = bank.meta['cache_key']
    with torch.no_grad():
        model.text.ln_final.bias.add_(0.1)
    assert bank.cache_key(model, tok, 'lgd-tiny-customtext') != key


def test_checkpoint_roundtrip_into_unbuilt_bank(clip):
    model, tok = clip
    built = make_bank()
    built.build(model, tok, 'lgd-tiny-rn')
    state = built.state_dict()

    fresh = make_bank()
    fresh.load_state_dict(state)
    assert torch.equal(fresh.bank, built.bank)

    rebuilt = make_bank()
    rebuilt.build(model, tok, 'lgd-tiny-rn')
    rebuilt.load_state_dict({'bank': torch.zeros(32, 3)})
    assert rebuilt.bank.abs().sum() == 0

    other = make_bank(vocab=['cat', 'dog'])
    with pytest.raises(RuntimeError, match='checkpoint has 3 classes'):
        other.load_state_dict(state)


def test_registry_and_shipped_vocab():
    bank = MODELS.build(
        dict(type='TextualSemanticsBank', vocab='lvis', templates='simple'))
    assert isinstance(bank, TextualSemanticsBank)
    assert bank.num_classes == 1203 and bank.meta['vocab'] == 'lvis_v1'
    assert bank.meta['num_templates'] == 7


def test_build_text_bank_tool(tmp_path):
    vocab = tmp_path / 'three.txt'
    vocab.write_text('teddy_bear\ncat\n063.electric-guitar-101\n')
    cache = tmp_path / 'cache'
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'build_text_bank.py'), '--model',
        'lgd-tiny-rn', '--vocab',
        str(vocab), '--templates', 'simple', '--cache-dir',
        str(cache)
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = glob.glob(str(cache / 'tsb-three-*.pth'))
    assert len(files) == 1
    assert files[0] in proc.stdout and '(32, 3)' in proc.stdout
    assert '--pretrained not given' in proc.stderr
    blob = torch.load(files[0], weights_only=True)
    assert blob['class_names'] == ['teddy bear', 'cat', 'electric guitar']
    assert blob['bank'].shape == (32, 3)
    torch.testing.assert_close(blob['bank'].norm(dim=0), torch.ones(3))


def test_trimmed_encode_equals_full_context(tiny_clip):
    model, tok = tiny_clip
    names = ['cat', 'great white shark', 'Granny Smith', 'T-shirt']
    prompts = [t(n) for n in names for t in OPENAI_IMAGENET_TEMPLATES]
    tokens = tok(prompts)
    assert trim_unsupported_reason(model) is None
    # the batch is cut well before CLIP's 77 positions
    assert int(pooled_positions(model, tokens).max()) + 1 < 30
    with torch.no_grad():
        full = model.encode_text(tokens)
        cut = encode_text(model, tokens)
    assert cut.shape == full.shape
    torch.testing.assert_close(cut, full, atol=1e-5, rtol=0)


def test_bank_encode_logs_and_keeps_weights_trainable(clip, tmp_path, mm_log):
    model, tok = clip
    bank = make_bank(cache_dir=str(tmp_path))
    bank.build(model, tok, 'lgd-tiny-rn')
    out = mm_log.text
    path = bank.meta['cache_file']
    assert re.search(
        r'text bank custom: built in [0-9.]+ s .*trimmed '
        r'context\) -> ' + re.escape(path), out), out
    # encoding under inference mode leaves no inference tensors behind:
    # the bank and the model can still be loaded into and trained
    assert not bank.bank.is_inference()
    assert not any(p.is_inference() for p in model.parameters())
    bank.load_state_dict({'bank': torch.zeros_like(bank.bank)})
    again = make_bank(cache_dir=str(tmp_path))
    again.build(model, tok, 'lgd-tiny-rn')
    out = mm_log.text
    assert f'text bank custom: loaded from {path}' in out


def test_trim_check_falls_back_to_full_context(clip, mm_log):
    model, tok = clip
    # a mask that is not causal: later tokens now change the pooled one,
    # so cutting the context would be wrong and the check must see it
    model.attn_mask = torch.zeros_like(model.attn_mask)
    bank = make_bank()
    bank.build(model, tok, 'lgd-tiny-rn')
    out = mm_log.text
    assert 'encoding the full context (trimmed and full-context features ' \
        'differ' in out
    assert bank.meta['encode_context'] == 'full context'
    with torch.no_grad():
        cols = []
        for name in ['teddy bear', 'cat', 'electric guitar']:
            emb = F.normalize(
                model.encode_text(tok([t.format(name) for t in TEMPLATES])),
                dim=1)
            cols.append(F.normalize(emb.mean(0), dim=0))
    torch.testing.assert_close(
        bank.bank, torch.stack(cols, 1), atol=1e-6, rtol=1e-5)


def test_custom_text_tower_is_not_trimmed():
    model, tok = create_clip_model(
        'lgd-tiny-customtext', model_cfg=CUSTOM_TEXT_CFG)
    assert 'separate .text tower' in trim_unsupported_reason(model)
    bank = make_bank()
    bank.build(model, tok, 'lgd-tiny-customtext')
    assert bank.meta['encode_context'] == 'full context'


def test_one_cache_location_for_configs_and_tool():
    """tools/build_text_bank.py writes where the shipped configs read."""
    from mmengine.config import Config
    dirs = set()
    # the configs that compose a model with a text bank
    paths = glob.glob(osp.join(ROOT, 'configs', '*', '*.py')) + glob.glob(
        osp.join(ROOT, 'configs/benchmarks/classification/zero-shot_*.py'))
    for path in paths:
        if 'toyworld' in path or 'text_bank' not in open(path).read() and \
                '_base_/models/' not in open(path).read():
            continue
        model = Config.fromfile(path).get('model') or {}
        bank = model.get('text_bank') if isinstance(model, dict) else None
        if bank:
            dirs.add(bank.get('cache_dir'))
    assert dirs == {DEFAULT_CACHE_DIR}
    proc = subprocess.run([
        sys.executable,
        osp.join(ROOT, 'tools', 'build_text_bank.py'), '--help'
    ],
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert f'(default: {DEFAULT_CACHE_DIR}' in proc.stdout
