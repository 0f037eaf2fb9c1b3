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
    assert table[0] == HEAD + ['reference']
    assert [r[:-1] for r in table[1:]] == ROWS
    assert table[2][-1].startswith('SEED: Self-supervised Distillation')
    assert table[1][-1] == table[3][-1] == ''

    with open(out['md']) as f:
        md = f.read().splitlines()
    start = md.index('| ' + ' | '.join(HEAD) + ' |')
    body = md[start + 2:start + 2 + len(ROWS) + 1]
    md_rows = [[c.strip() for c in line.strip('|').split('|')] for line in body
               if line.startswith('|')]
    expected = [list(r) for r in ROWS]
    expected[1][4] = 'reported [1]'  # reported rows point to a reference
    expected[2][-1] = '55.3 (n=2)'  # the mean of two seeds
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
