"""The README's demo, CI-sized: same code path, the small ToyWorld preset.

One run of ``tools/demo.py --preset ci --seeds 0 1`` (every row, every
transfer task, shortened schedules; detection and segmentation for the
first seed only) is shared by the tests below.
"""
import csv
import json
import math
import os.path as osp
import re
import subprocess
import sys

import pytest

from lgd_mm.benchmark import BenchmarkRecord

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ROWS = ('LGD', 'SEED', 'BINGO', 'DisCo', 'KD', 'Supervised', 'Random init')
DET_SEG = ('toyworld_mask-rcnn_fpn', 'toyworld_fpn')
FROZEN = ('toyworld_linear', 'toyworld_knn')
TRANSFER = DET_SEG + FROZEN
DISTILLED = ROWS[:5]
SEEDS = (0, 1)


def demo_cmd(work, *args):
    """The CI-sized demo's command line in ``work``, plus ``args``."""
    return [
        sys.executable,
        osp.join(ROOT, 'tools', 'demo.py'), '--work-dir',
        str(work), '--preset', 'ci', '--epochs', '2', *args
    ]


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp('demo') / 'demo'
    cmd = demo_cmd(work, '--seeds', *map(str, SEEDS))
    # pytest-timeout's per-test limit (setup.cfg) does not cover this
    # module fixture's one long run; subprocess has its own
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, timeout=1800)
    log = work / 'demo.log'
    tail = log.read_text()[-4000:] if log.is_file() else ''
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[
        -3000:] + tail
    return work, proc.stdout


@pytest.mark.timeout(1800)
def test_stages_and_timings(demo):
    work, stdout = demo
    for stage in ('1/5', '2/5', '3/5', '4/5', '5/5'):
        assert f'=== [demo] {stage}' in stdout
    # every tool call is echoed as a command line a user can rerun
    assert 'python tools/train.py configs/toyworld/lgd_' in stdout
    # every pre-training run is seeded, once per seed
    assert '--seed 0' in stdout and '--seed 1' in stdout
    assert 'python tools/benchmark.py ' in stdout
    result = json.loads((work / 'demo_result.json').read_text())
    assert result['toyworld'] == dict(preset='ci', classes=16)
    assert osp.isfile(result['teacher'])
    assert set(result['seconds']) == {
        'data', 'teacher', 'pretrain', 'transfer', 'leaderboard', 'total'
    }
    assert sorted(result['rows']) == sorted(ROWS)
    assert sorted(result['rows']['LGD']['seeds']) == ['0', '1']
    # runner output goes to the log, not the console
    assert (work / 'demo.log').is_file()
    assert 'Config:' not in stdout


def test_every_row_has_finite_records(demo):
    work, _ = demo
    records = [
        BenchmarkRecord.load(p)
        for p in sorted((work / 'bench').rglob('records/*.json'))
    ]
    cells = {(r.method, r.task, r.extra['seed']): r for r in records}
    for row in ROWS:
        frozen = FROZEN + (('toyworld_zero_shot', ) if row in DISTILLED else
                           ())
        for seed in SEEDS:
            # detection and segmentation run for the first seed only
            for task in frozen + (DET_SEG if seed == SEEDS[0] else ()):
                rec = cells.pop((row, task, seed))
                assert rec.dataset == 'ToyWorld'
                assert rec.student == 'r18-half'
                assert rec.metrics and all(
                    math.isfinite(v) and 0 <= v <= 100
                    for v in rec.metrics.values()), rec.metrics
                # the half-width student (2.8 M), not the stock ResNet-18
                assert 2.7 < rec.params_m < 2.9
                # the seeds and overrides are kept; the ci preset's cuts
                # are named
                if row in DISTILLED:
                    assert rec.extra['pretrain_seed'] == seed
                    # --epochs 2 shortened the pre-training
                    assert 'pre-training train_cfg.max_epochs=2' in \
                        rec.shortened
                if task in DET_SEG + ('toyworld_linear', ):
                    assert any(
                        s.startswith('transfer ') for s in rec.shortened)
    assert not cells, f'unexpected records {sorted(cells)}'
    # the backbone load check ran in the fine-tuning runs
    logs = (work / 'bench' / 'seed0' / 'lgd' /
            'toyworld_mask-rcnn_fpn').rglob('*.log')
    assert any('(100.0%) loaded' in p.read_text() for p in logs)


# the CSV's columns beside each mean
SPREAD_COLUMNS = (' ci95', ' sd', ' n', ' runs')


def test_leaderboard_rows(demo):
    work, _ = demo
    board = work / 'leaderboard'
    with open(board / 'leaderboard.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    # the ci preset cuts the transfer data and schedules (and --epochs 2
    # the pre-training) down: those records are checks, shown in rows
    # labelled as such; random init's kNN run followed its protocol
    assert {r['source'] for r in rows} == {'ours', 'ours (shortened run)'}
    assert sorted(r['method'] for r in rows
                  if r['source'] == 'ours (shortened run)') == sorted(ROWS)
    assert [r['method'] for r in rows
            if r['source'] == 'ours'] == ['Random init']
    counts = {}
    for row in rows:
        values = [
            v for k, v in row.items() if k.startswith('toyworld_')
            and not k.endswith(SPREAD_COLUMNS) and v != ''
        ]
        assert all(math.isfinite(float(v)) for v in values)
        counts[row['method']] = counts.get(row['method'], 0) + len(values)
        # the student's own description names it, not the stock ResNet-18
        assert row['student'] == 'ResNet-18 (half width)', row['student']
    assert counts == {m: 14 if m in DISTILLED else 13 for m in ROWS}
    # two seeds: frozen-feature cells have n=2 and an interval, det/seg
    # cells one run
    lgd = next(r for r in rows if r['method'] == 'LGD')
    assert lgd['toyworld_linear top1 n'] == '2'
    assert lgd['toyworld_linear top1 ci95'] != ''
    assert lgd['toyworld_linear top1 runs'].count('=') == 2
    assert lgd['toyworld_mask-rcnn_fpn box_AP n'] == '1'
    md = (board / 'leaderboard.md').read_text()
    assert '| LGD |' in md and '| Random init |' in md
    assert ' ± ' in md and '(n=2)' in md
    assert '*shortened run*' in md
    png = board / 'leaderboard.png'
    assert png.is_file() and png.read_bytes()[:4] == b'\x89PNG'


@pytest.mark.timeout(1200)
def test_demo_from_teacher_store(tmp_path):
    """``--teacher-store``: one store pass, every distiller row reads it
    (BINGO's config adds its bags, DisCo pairs two stored views), a row
    without a teacher (Supervised) trains as before."""
    work = tmp_path / 'demo'
    cmd = demo_cmd(work, '--seeds', '0', '--det-seg-seeds', '0', '--methods',
                   'LGD', 'BINGO', 'DisCo', 'Supervised', '--teacher-store')
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, timeout=1200)
    log = work / 'demo.log'
    tail = log.read_text()[-4000:] if log.is_file() else ''
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[
        -3000:] + tail
    out = proc.stdout
    assert '=== [demo] 2/5 teacher store' in out
    assert 'python tools/cache_teacher.py configs/toyworld/lgd_' in out
    assert 'python tools/cache_teacher.py configs/toyworld/bingo_' in out
    assert '--views 2' in out
    # BINGO's pass adds the bags only: the views are already there
    assert re.search(r'0 views embedded .*BINGO bags from \S+ in', out)
    # the store pass's progress bar goes to demo.log, not the console
    assert 'task/s' not in out and 'task/s' in log.read_text()
    store = work / 'teacher_store'
    manifest = json.loads((store / 'manifest.json').read_text())
    assert manifest['complete'] and manifest['num_views'] == 2
    train_lines = [
        line for line in out.splitlines() if 'python tools/train.py' in line
    ]
    for row, stored in (('lgd_', True), ('bingo_', True), ('disco_', True),
                        ('supervised_', False)):
        line = next(x for x in train_lines if f'configs/toyworld/{row}' in x)
        assert ('--teacher-store' in line) == stored, line
    result = json.loads((work / 'demo_result.json').read_text())
    assert result['seconds']['teacher_store'] > 0
    # the stored LGD row still reports the student's zero-shot top-1
    lgd = result['rows']['LGD']['seeds']['0']['pretrain_metrics']
    assert 0 <= lgd['zero_shot/top1'] <= 100
    assert 'zero_shot/teacher_top1' not in lgd


@pytest.mark.timeout(900)
def test_resume_reuses_finished_steps(demo):
    """``--resume`` on the work dir of a finished demo: every pre-training
    and transfer run with unchanged inputs is reused, a task whose record
    is gone runs again."""
    work, _ = demo
    knn = next((work / 'bench' / 'seed1' / 'lgd' / 'records').glob('*knn*'))
    knn.unlink()
    before = json.loads((work / 'demo_result.json').read_text())
    trained = (work / 'demo.log').read_text().count('Epoch(train)')
    cmd = demo_cmd(work, '--seeds', *map(str, SEEDS), '--methods', 'LGD',
                   '--resume')
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    for seed in SEEDS:
        assert f'LGD (seed {seed}): reusing ' in out, out
    # no Runner trained (kNN does not train); demo.log is appended to
    log = (work / 'demo.log').read_text()
    assert log.count('Epoch(train)') == trained, 'a reused step trained'
    ran = re.findall(r'\[demo\] LGD / (\S+): [0-9.]+ s', out)
    reused = re.findall(r'\[demo\] LGD / (\S+): reusing', out)
    # the deleted kNN record of seed 1 is the one task that ran again
    assert ran == ['toyworld_knn'], out
    assert len(reused) == 2 * len(FROZEN) + len(DET_SEG) + 2 - 1
    assert knn.is_file()
    after = json.loads((work / 'demo_result.json').read_text())
    for seed in map(str, SEEDS):
        old, new = (r['rows']['LGD']['seeds'][seed] for r in (before, after))
        assert new['pretrain_reused'] and new['pretrain_metrics'] == old[
            'pretrain_metrics']
        assert new['checkpoint'] == old['checkpoint']
