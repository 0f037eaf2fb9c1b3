"""Leaderboard: records + metafile rows -> exact Markdown / CSV rows, PNG."""
import csv
import os.path as osp
import runpy
import sys

import pytest

from lgd_mm.benchmark import BenchmarkRecord
from lgd_mm.benchmark.leaderboard import (build_leaderboard, load_records,
                                          make_leaderboard, teacher_label,
                                          write_markdown)
from lgd_mm.benchmark.reported import metafile_records, reported_records

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
METAFILE = """\
Collections:
  - Name: SEED
    Paper:
      Title: 'SEED: Self-supervised Distillation'
      URL: https://arxiv.org/abs/2101.04731
Models:
  - Name: seed_mbv2_pre
    In Collection: SEED
    Metadata:
      Epochs: 200
      Training Data: ImageNet-1k
      Teacher: CLIP RN50 (openai)
      Student: MobileNetV2
      Parameters: 2223872
    Results: null
    Downstream:
      - seed_mbv2_linear
  - Name: seed_mbv2_linear
    In Collection: SEED
    Metadata:
      Protocol: in1k_linear
    Results:
      - Task: Image Classification
        Dataset: ImageNet-1k
        Metrics:
          Top 1 Accuracy: 63.5
"""
HEAD = [
    'method', 'student', 'teacher', 'pre-training', 'source', 'params (M)',
    'coco_mask-rcnn_fpn_1x box_AP', 'coco_mask-rcnn_fpn_1x mask_AP',
    'in1k_linear top1'
]
ROWS = [
    [
        'LGD', 'ResNet-18', 'CLIP RN50 (openai)', '200e IN/IN', 'ours', '11.2',
        '30.3', '28.0', '60.0'
    ],
    [
        'SEED', 'MobileNetV2', 'CLIP RN50 (openai)', '200e IN', 'reported',
        '2.2', '', '', '63.5'
    ],
    [
        'SEED', 'MobileNetV2', 'CLIP RN50 (openai)', '', 'ours', '2.2', '', '',
        '55.3'
    ],
]


def _record(method, student, task, metrics, params, **kwargs):
    return BenchmarkRecord(
        method=method,
        student=student,
        task=task,
        protocol=task,
        metrics=metrics,
        teacher='RN50-quickgelu (openai)',
        params_m=params,
        **kwargs)


@pytest.fixture
def inputs(tmp_path):
    """Two work dirs of records and a configs folder with one metafile."""
    work1, work2 = tmp_path / 'work1', tmp_path / 'work2'
    lgd = dict(extra=dict(pretrain='200e IN/IN', seed=0))
    _record('LGD', 'r18', 'in1k_linear', {
        'top1': 60.04
    }, 11.18, **lgd).dump(str(work1 / 'lgd'))
    _record('LGD', 'r18', 'coco_mask-rcnn_fpn_1x', {
        'box_AP': 30.26,
        'mask_AP': 28.0
    }, 11.18, **lgd).dump(str(work1 / 'lgd'))
    # one SEED result in each work dir (two seeds): their mean is shown
    _record(
        'SEED',
        'mbv2',
        'in1k_linear', {
            'top1': 55.56
        },
        2.22,
        extra=dict(seed=0)).dump(str(work1))
    _record(
        'SEED',
        'mbv2',
        'in1k_linear', {
            'top1': 55.0
        },
        2.22,
        extra=dict(seed=1)).dump(str(work2))
    (work2 / 'not_a_record.json').write_text('{"other": 1}')
    meta = tmp_path / 'configs' / 'seed' / 'metafile.yml'
    meta.parent.mkdir(parents=True)
    meta.write_text(METAFILE)
    return [str(work1), str(work2)], str(tmp_path / 'configs')


def test_reported_rows_from_metafile(inputs):
    _, configs = inputs
    (rec, ) = reported_records([configs])
    assert (rec.method, rec.student, rec.teacher, rec.task, rec.protocol,
            rec.dataset) == ('SEED', 'mbv2', 'CLIP RN50 (openai)',
                             'in1k_linear', 'in1k_linear', 'ImageNet-1k')
    assert rec.metrics == {'top1': 63.5} and rec.source == 'reported'
    assert rec.params_m == pytest.approx(2.223872)
    assert rec.reference.startswith('SEED: Self-supervised Distillation')
    assert rec.extra['pretrain'] == '200e IN'


def test_markdown_and_csv_hold_exactly_the_expected_rows(inputs, tmp_path):
    work_dirs, configs = inputs
    out = make_leaderboard(
        work_dirs, str(tmp_path / 'board'), reported=[configs])
    with open(out['csv'], newline='') as f:
        table = list(csv.reader(f))
    # each mean column is followed by its interval, sd, n and runs
    means = [
        i for i, h in enumerate(table[0])
        if not h.endswith((' ci95', ' sd', ' n', ' runs'))
    ]
    assert [table[0][i] for i in means] == HEAD + ['reference']
    assert [[r[i] for i in means][:-1] for r in table[1:]] == ROWS
    assert table[2][-1].startswith('SEED: Self-supervised Distillation')
    assert table[1][-1] == table[3][-1] == ''
    seed = dict(zip(table[0], table[3]))  # SEED, ours: two seeds
    # sd = 0.56 / sqrt(2); t(0.975, 1) * sd / sqrt(2) = 3.5577
    assert (seed['in1k_linear top1 ci95'], seed['in1k_linear top1 sd'],
            seed['in1k_linear top1 n']) == ('3.56', '0.40', '2')
    assert seed['in1k_linear top1 runs'] == '?/0=55.56; ?/1=55'
    lgd = dict(zip(table[0], table[1]))  # one run: no spread
    assert (lgd['in1k_linear top1 ci95'], lgd['in1k_linear top1 n']) == ('',
                                                                         '1')

    with open(out['md']) as f:
        md = f.read().splitlines()
    start = md.index('| ' + ' | '.join(HEAD) + ' |')
    body = md[start + 2:start + 2 + len(ROWS) + 1]
    md_rows = [[c.strip() for c in line.strip('|').split('|')] for line in body
               if line.startswith('|')]
    expected = [list(r) for r in ROWS]
    expected[1][4] = 'reported [1]'  # reported rows point to a reference
    # mean ± 95 % interval of two seeds; not bold: the best mean (LGD)
    # has one run, so no tie can be claimed
    expected[2][-1] = '55.3 ± 3.6 (n=2)'
    assert md_rows == expected
    assert '1. SEED: Self-supervised Distillation' in '\n'.join(md)


def test_png_is_written(inputs, tmp_path):
    work_dirs, configs = inputs
    out = make_leaderboard(
        work_dirs, str(tmp_path / 'board'), reported=[configs])
    assert out['plotted'] == 'coco_mask-rcnn_fpn_1x box_AP'
    with open(out['png'], 'rb') as f:
        assert f.read(8) == PNG_MAGIC
    import matplotlib.image
    assert matplotlib.image.imread(out['png']).ndim == 3
    # an explicit metric; one with no point to plot still gives a PNG
    out = make_leaderboard(
        work_dirs,
        str(tmp_path / 'b2'),
        metric='in1k_linear:top1',
        x='flops_g')
    assert out['plotted'] == 'in1k_linear top1'
    with open(out['png'], 'rb') as f:
        assert f.read(8) == PNG_MAGIC
    with pytest.raises(ValueError, match='no column for metric'):
        make_leaderboard(work_dirs, str(tmp_path / 'b3'), metric='mIoU')


def test_overlapping_inputs_count_once(inputs):
    work_dirs, _ = inputs
    board = build_leaderboard(
        load_records([work_dirs[0], work_dirs[0] + '/lgd']))
    lgd = board.rows[0]
    assert all(len(v) == 1 for v in lgd.values.values())


def test_empty_or_missing_work_dir_is_a_clear_error(tmp_path):
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='no benchmark records in .*empty'):
        make_leaderboard([str(tmp_path / 'empty')], str(tmp_path / 'out'))
    with pytest.raises(FileNotFoundError, match='missing'):
        make_leaderboard([str(tmp_path / 'missing')], str(tmp_path / 'out'))
    assert not (tmp_path / 'out').exists()


def test_metafile_result_without_protocol_is_rejected(tmp_path):
    path = tmp_path / 'metafile.yml'
    path.write_text(METAFILE.replace('      Protocol: in1k_linear\n', ''))
    with pytest.raises(ValueError, match=r"seed_mbv2_linear.*'Protocol'"):
        metafile_records(str(path))
    path.write_text(METAFILE.replace('Top 1 Accuracy', 'Top-1'))
    with pytest.raises(ValueError, match='unknown metric'):
        metafile_records(str(path))


def test_cli(inputs, tmp_path, monkeypatch, capsys):
    work_dirs, configs = inputs
    out = tmp_path / 'cli'
    monkeypatch.setattr(sys, 'argv', [
        'leaderboard.py', *work_dirs, '--out',
        str(out), '--reported', configs, '--metric', 'top1'
    ])
    runpy.run_path(
        osp.join(ROOT, 'tools', 'leaderboard.py'), run_name='__main__')
    assert 'plotted: in1k_linear top1' in capsys.readouterr().out
    assert {p.name
            for p in out.iterdir()
            } == {'leaderboard.md', 'leaderboard.csv', 'leaderboard.png'}
    monkeypatch.setattr(
        sys, 'argv',
        ['leaderboard.py',
         str(tmp_path / 'nothing'), '--out',
         str(out)])
    with pytest.raises(SystemExit, match='leaderboard: no record file'):
        runpy.run_path(
            osp.join(ROOT, 'tools', 'leaderboard.py'), run_name='__main__')


def test_labels_and_shipped_lgd_metafile():
    assert teacher_label('RN50-quickgelu (openai)') == 'CLIP RN50 (openai)'
    assert teacher_label('ViT-B-16 (laion2b)') == 'CLIP ViT-B-16 (laion2b)'
    assert (teacher_label('lgd-toy-rn (/tmp/cache/lgd-toy-rn-1a.pt)') ==
            'lgd-toy-rn (lgd-toy-rn-1a.pt)')
    recs = metafile_records(osp.join(ROOT, 'configs', 'lgd', 'metafile.yml'))
    cells = {
        (r.student, r.extra['pretrain'], r.task): r.metrics['top1']
        for r in recs
    }
    assert len(cells) == len(recs) == 32
    assert cells[('r18', '200e IN/IN', 'in1k_zero_shot')] == 49.5
    assert cells[('mbv2', '90e IN/IN', 'in1k-1pct_linear')] == 50.3
    assert cells[('r18', '90e CT/CT', 'caltech256_zero_shot')] == 66.5
    assert all(r.teacher == 'CLIP RN50 (openai)' and r.source == 'reported'
               for r in recs)


def test_markdown_escapes_pipes(tmp_path):
    board = build_leaderboard([
        BenchmarkRecord(
            method='A|B', student='x', task='t', metrics={'top1': 1.0})
    ])
    path = write_markdown(board, str(tmp_path / 'b.md'))
    with open(path) as f:
        assert '| A\\|B | x | - |  | ours |  | 1.0 |' in f.read()


def test_shortened_records_are_left_out_by_default(inputs, tmp_path, mm_log):
    work_dirs, _ = inputs
    smoke = tmp_path / 'smoke'
    _record(
        'KD',
        'r18',
        'in1k_linear', {
            'top1': 99.0
        },
        11.18,
        shortened=['pre-training --smoke']).dump(str(smoke))
    out = make_leaderboard(work_dirs + [str(smoke)], str(tmp_path / 'b'))
    with open(out['md']) as f:
        text = f.read()
    assert '| KD |' not in text and '99.0' not in text
    assert 'left out 1 records of shortened runs' in mm_log.text

    out = make_leaderboard(
        work_dirs + [str(smoke)], str(tmp_path / 'c'), include_shortened=True)
    with open(out['md']) as f:
        lines = f.read().splitlines()
    row = [line for line in lines if line.startswith('| KD |')]
    assert row and '| ours (shortened run) |' in row[0] and '99.0' in row[0]
    # shortened rows come after every measured one, and are explained
    table = [line for line in lines if line.startswith('| ')][2:]
    assert table[-1] == row[0]
    assert any(line.startswith('*shortened run*') for line in lines)

    with pytest.raises(ValueError, match='--include-shortened'):
        make_leaderboard([str(smoke)], str(tmp_path / 'd'))
    with pytest.raises(ValueError, match='shortened must be a list'):
        _record(
            'KD',
            'r18',
            'in1k_linear', {'top1': 1.0},
            1.0,
            shortened='--smoke')


def test_seeds_give_intervals_ties_and_a_per_metric_chart(tmp_path):
    """One student, three methods x three seeds: the Markdown shows mean ±
    interval, bolds the best and what is tied with it, and the PNG is the
    per-metric chart (all rows have one size)."""
    values = dict(
        A=[30.0, 32.0, 34.0], B=[28.0, 29.0, 30.0], C=[20.0, 21.0, 22.0])
    for method, vals in values.items():
        for seed, v in enumerate(vals):
            _record(
                method,
                'r18',
                'in1k_linear', {
                    'top1': v
                },
                11.18,
                extra=dict(seed=seed,
                           pretrain_seed=seed)).dump(str(tmp_path / 'work'))
    # three files per method: seeds do not overwrite each other
    assert len(
        list((tmp_path / 'work').glob('A__r18__in1k_linear__ours__'
                                      'p*-s*.json'))) == 3
    out = make_leaderboard([str(tmp_path / 'work')], str(tmp_path / 'b'))
    md = open(out['md']).read()
    assert '| A | ResNet-18 |' in md
    assert '**32.0 ± 5.0 (n=3)**' in md  # best
    assert '**29.0 ± 2.5 (n=3)**' in md  # interval overlaps the best's
    assert '| 21.0 ± 2.5 (n=3) |' in md  # behind: not marked
    assert out['plotted'].startswith('per-metric chart')
    assert 'in1k_linear top1' in out['plotted']
    with open(out['png'], 'rb') as f:
        assert f.read(8) == PNG_MAGIC
