"""tools/benchmark_speed.py at toy scale: every section runs, the JSON has
finite positive figures, and the LGKA update equals the per-class loop."""
import json
import math
import os.path as osp
import runpy

import pytest
import torch

from lgd_mm.benchmark.speed.lgka import LGKA_CLASSES, bench_lgka_case
from lgd_mm.benchmark.speed.train_step import (PHASES, VARIANTS,
                                               checkpoint_sizes, finish_phases)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'benchmark_speed.py')


def _positive(value):
    return isinstance(value, (int, float)) and math.isfinite(value) \
        and value > 0


@pytest.fixture(scope='module')
def result(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('speed') / 'speed')
    main = runpy.run_path(TOOL)['main']
    main([
        '--quick', '--teacher', 'lgd-tiny-rn', '--num-classes', '20',
        '--batch-size', '2', '--image-size', '64', '--iters', '1', '--warmup',
        '0', '--threads', '1', '--lgka-classes', '19', '150', '--lgka-batches',
        '64', '128', '--lgka-repeats', '1', '--lgka-loop-repeats', '1',
        '--data-images', '4', '--loader-workers', '1', '--out', out
    ])
    with open(out + '.json') as f:
        data = json.load(f)
    with open(out + '.md') as f:
        data['_markdown'] = f.read()
    return data


def test_json_sections_and_machine(result):
    assert {'machine', 'args', 'lgka', 'data', 'checkpoint',
            'steps'} <= set(result)
    machine = result['machine']
    assert machine['python'] and machine['torch'] and machine['cpu_count']
    assert '### Train step' in result['_markdown']
    assert '| r18 | plain_pytorch |' in result['_markdown']


def test_step_rows(result):
    rows = result['steps']['rows']
    assert [r['variant'] for r in rows] == ['plain_pytorch'] + list(VARIANTS)
    for row in rows:
        assert set(row['phases_ms']) == set(PHASES)
        assert all(v >= 0 and math.isfinite(v)
                   for v in row['phases_ms'].values())
        for key in ('total_ms', 'images_per_s', 'peak_mem_mb',
                    'speedup_vs_plain'):
            assert _positive(row[key]), (key, row[key])
        assert 0 < row['lgd_share'] < 1
        assert row['phases_ms']['teacher_fwd'] > 0
        assert row['phases_ms']['backward'] > 0
        assert row['lgka_update_ms'] > 0
    assert rows[0]['speedup_vs_plain'] == 1.0


def test_lgka_rows_match_the_loop(result):
    rows = result['lgka']['rows']
    assert {(r['num_classes'], r['batch'])
            for r in rows} == {(19, 64), (19, 128), (150, 64), (150, 128)}
    for row in rows:
        assert row['same_flags'] and row['max_abs_diff'] < 1e-6
        for key in ('vectorised_ms', 'loop_ms', 'speedup', 'read_keys_ms'):
            assert _positive(row[key]), (key, row[key])
    assert set(result['lgka']['scaling']['vs_batch']) == {'19', '150'}


def test_data_rows(result):
    rows = {(r['decode'], r['resize']): r for r in result['data']['rows']}
    for decode in ('pillow', 'cv2'):
        row = rows[(decode, 'config')]
        assert _positive(row['pipeline_img_s'])
        assert row['decode_only_img_s'] > row['pipeline_img_s']
    turbo = rows[('turbojpeg', 'config')]
    assert 'unavailable' in turbo or _positive(turbo['pipeline_img_s'])
    loader = result['data']['loader']
    assert {(r['workers'], r['persistent_workers'])
            for r in loader} == {(1, True), (1, False)}
    assert all(_positive(r['images_per_s']) for r in loader)


def test_checkpoint_holds_no_teacher(result):
    ckpt = result['checkpoint']
    assert ckpt['teacher_keys'] == 0 and ckpt['text_tower_dropped']
    assert 0 < ckpt['lgd_mm'] < ckpt['with_clip']


@pytest.mark.parametrize('num_classes', LGKA_CLASSES)
def test_lgka_vectorised_equals_loop_for_every_vocabulary(num_classes):
    row = bench_lgka_case(num_classes, 96, dim=16, repeats=1, loop_repeats=1)
    assert row['same_flags']
    assert row['max_abs_diff'] < 1e-6


def test_checkpoint_and_teacher_memory():
    """R18 + banks without the teacher vs with the whole CLIP model, and
    no text tower kept in memory."""
    sizes = checkpoint_sizes('r18', 'lgd-tiny-rn', num_classes=10)
    assert sizes['teacher_keys'] == 0
    assert sizes['text_tower_dropped']
    # the teacher keeps its image tower (and the logit scale) only: the
    # text tower is freed
    held_other = sizes['held_teacher_params_m'] - sizes['held_visual_params_m']
    assert held_other * 1e6 < 10
    assert sizes['clip_params_m'] > sizes['held_teacher_params_m']
    # the tiny CLIP model is still a few MiB of text embeddings
    assert sizes['with_clip'] - sizes['lgd_mm'] > 1


def test_finish_phases_other_is_the_rest():
    totals = dict(
        total=10.0,
        preprocess=1.0,
        teacher_fwd=2.0,
        student_fwd=3.0,
        lgd=0.5,
        backward=2.5,
        lgka_update=0.1)
    phases = finish_phases(totals)
    assert phases['optimizer'] == 0.0 and phases['gather'] == 0.0
    assert phases['other'] == pytest.approx(1.0)
    assert phases['lgka_update'] == 0.1
    assert sum(phases[k] for k in PHASES) == pytest.approx(10.0)


def test_unknown_student_is_rejected():
    from lgd_mm.benchmark.speed.plain import torchvision_student
    with pytest.raises(KeyError):
        torchvision_student('vit', 8)
    assert torch.is_tensor(
        torchvision_student('mbv2', 8).eval()(torch.zeros(1, 3, 32, 32)))


def test_store_section(tmp_path):
    """--sections store: online and stored rows per student, the teacher
    pass and loader rows."""
    out = str(tmp_path / 'speed')
    main = runpy.run_path(TOOL)['main']
    main([
        '--sections', 'store', '--students', 'r18', '--teacher', 'lgd-tiny-rn',
        '--num-classes', '20', '--batch-size', '2', '--image-size', '64',
        '--iters', '1', '--warmup', '0', '--threads', '1', '--store-images',
        '3', '--store-views', '2', '--loader-workers', '1', '--out', out
    ])
    with open(out + '.json') as f:
        store = json.load(f)['store']
    online, stored = store['rows']
    assert (online['variant'], stored['variant']) == ('fp32', 'fp32+stored')
    assert _positive(stored['stored_speedup'])
    (teacher_pass, ) = store['teacher_pass']
    assert _positive(teacher_pass['views_per_s'])
    # lgd-tiny-rn embeds in 32 dims: 64 bytes per fp16 view + npy header
    assert 64 < teacher_pass['bytes_per_view'] < 64 + 128
    assert {r['kind'] for r in store['loader']} == {'plain', 'replay+store'}
    with open(out + '.md') as f:
        assert '### Online vs stored teacher' in f.read()
