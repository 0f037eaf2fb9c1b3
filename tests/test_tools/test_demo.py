"""The README's demo, CI-sized: same code path, the small ToyWorld preset.

One run of ``tools/demo.py --preset ci`` (every row, every transfer task,
shortened schedules) is shared by the tests below.
"""
import csv
import json
import math
import os.path as osp
import subprocess
import sys

import pytest

from lgd_mm.benchmark import BenchmarkRecord

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ROWS = ('LGD', 'SEED', 'BINGO', 'DisCo', 'KD', 'Supervised', 'Random init')
TRANSFER = ('toyworld_mask-rcnn_fpn', 'toyworld_fpn', 'toyworld_linear',
            'toyworld_knn')
DISTILLED = ROWS[:5]


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp('demo') / 'demo'
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'demo.py'), '--work-dir',
        str(work), '--preset', 'ci', '--epochs', '2'
    ]
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
    assert '--seed 0' in stdout  # every pre-training run is seeded
    assert 'python tools/benchmark.py ' in stdout
    result = json.loads((work / 'demo_result.json').read_text())
    assert result['toyworld'] == dict(preset='ci', classes=16)
    assert osp.isfile(result['teacher'])
    assert set(result['seconds']) == {
        'data', 'teacher', 'pretrain', 'transfer', 'leaderboard', 'total'
    }
    assert sorted(result['rows']) == sorted(ROWS)
    # runner output goes to the log, not the console
    assert (work / 'demo.log').is_file()
    assert 'Config:' not in stdout


def test_every_row_has_finite_records(demo):
    work, _ = demo
    records = [
        BenchmarkRecord.load(p)
        for p in sorted((work / 'bench').rglob('records/*.json'))
    ]
    cells = {(r.method, r.task): r for r in records}
    for row in ROWS:
        tasks = TRANSFER + (('toyworld_zero_shot', ) if row in DISTILLED
                            else ())
        for task in tasks:
            rec = cells.pop((row, task))
            assert rec.dataset == 'ToyWorld' and rec.student == 'r18-half'
            assert rec.metrics and all(
                math.isfinite(v) and 0 <= v <= 100
                for v in rec.metrics.values()), rec.metrics
            # the half-width student (2.8 M), not the stock ResNet-18
            assert 2.7 < rec.params_m < 2.9
    assert not cells, f'unexpected records {sorted(cells)}'
    # the backbone load check ran in the fine-tuning runs
    logs = (work / 'bench' / 'lgd' / 'toyworld_mask-rcnn_fpn').rglob('*.log')
    assert any('(100.0%) loaded' in p.read_text() for p in logs)


def test_leaderboard_rows(demo):
    work, _ = demo
    board = work / 'leaderboard'
    with open(board / 'leaderboard.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert sorted(r['method'] for r in rows) == sorted(ROWS)
    for row in rows:
        values = [
            v for k, v in row.items()
            if k.startswith('toyworld_') and v != ''
        ]
        expected = 14 if row["method"] in DISTILLED else 13
        assert len(values) == expected, row
        assert all(math.isfinite(float(v)) for v in values)
        assert row['source'] == 'ours'
        # the student's own description names it, not the stock ResNet-18
        assert row['student'] == 'ResNet-18 (half width)', row['student']
    md = (board / 'leaderboard.md').read_text()
    assert '| LGD |' in md and '| Random init |' in md
    png = board / 'leaderboard.png'
    assert png.is_file() and png.read_bytes()[:4] == b'\x89PNG'
