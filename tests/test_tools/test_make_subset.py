"""tools/make_subset.py: seeded, exact per-class subsets and splits."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
from collections import Counter

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'make_subset.py')
_spec = importlib.util.spec_from_file_location('make_subset', TOOL)
make_subset = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_subset)


def _lines(path):
    with open(path) as f:
        return f.read().splitlines()


def test_ann_file_subset_is_seeded_and_exact(toyworld, tmp_path):
    src = f'{toyworld}/cls/meta/train.txt'  # 16 classes x 8 images
    a, b, c = (str(tmp_path / n) for n in ('a.txt', 'b.txt', 'c.txt'))
    make_subset.main([src, a, '--per-class', '3', '--seed', '0'])
    make_subset.make_subset(src, b, per_class=3, seed=0)
    make_subset.make_subset(src, c, per_class=3, seed=1)
    assert _lines(a) == _lines(b)  # same seed -> same files
    assert _lines(a) != _lines(c)
    counts = Counter(line.rsplit(' ', 1)[1] for line in _lines(a))
    assert len(counts) == 16 and set(counts.values()) == {3}
    source = set(_lines(src))
    assert set(_lines(a)) <= source  # paths and labels as in the source
    summary = json.load(open(a + '.json'))
    assert summary['seed'] == 0 and summary['num_subset'] == 48


def test_folder_split_with_exclude_and_rest(toyworld, tmp_path):
    """Caltech-style: N per class for training, the rest for validation,
    one class excluded and the others renumbered."""
    root = f'{toyworld}/cls/train'
    train, val = str(tmp_path / 'train.txt'), str(tmp_path / 'val.txt')
    summary = make_subset.make_subset(
        root, train, per_class=5, seed=3, rest=val, exclude=['blue_circle'])
    assert summary['num_classes'] == 15
    tr, va = _lines(train), _lines(val)
    assert len(tr) == 15 * 5 and len(va) == 15 * 3
    assert not set(tr) & set(va)
    assert not any(line.startswith('blue_circle/') for line in tr + va)
    labels = {int(line.rsplit(' ', 1)[1]) for line in tr}
    assert labels == set(range(15))
    for line in tr:
        rel = line.rsplit(' ', 1)[0]
        assert osp.isfile(osp.join(root, rel))


def test_too_few_images_is_an_error(toyworld, tmp_path):
    with pytest.raises(ValueError, match='fewer than 9 images'):
        make_subset.make_subset(
            f'{toyworld}/cls/meta/train.txt',
            str(tmp_path / 'x.txt'),
            per_class=9)


def test_cli_is_deterministic_across_processes(toyworld, tmp_path):
    outs = []
    for seed, name in (('1', 'p.txt'), ('2', 'q.txt')):
        out = str(tmp_path / name)
        subprocess.run([
            sys.executable, TOOL, f'{toyworld}/cls/meta/val.txt', out,
            '--per-class', '2', '--seed', '7'
        ],
                       check=True,
                       capture_output=True,
                       env=dict(os.environ, PYTHONHASHSEED=seed))
        outs.append(_lines(out))
    assert outs[0] == outs[1] and len(outs[0]) == 32
