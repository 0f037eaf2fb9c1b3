import os.path as osp
import subprocess
import sys

import pytest
from open_clip import IMAGENET_CLASSNAMES

import lgd_mm
from lgd_mm.vocabularies import (VOCABULARIES, load_vocabulary,
                                 normalize_class_name, vocabulary_hash)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

EXPECTED = dict(
    imagenet=1000,
    caltech256=256,
    coco=80,
    lvis=1203,
    lvis_v1=1203,
    ade20k=150,
    cityscapes=19)


@pytest.mark.parametrize('key,count', sorted(EXPECTED.items()))
def test_shipped_counts_and_clean_names(key, count):
    names = load_vocabulary(key)
    assert len(names) == count
    assert len(set(names)) == count
    for n in names:
        assert n and n == n.strip() and '  ' not in n
        assert '_' not in n and '-' not in n


def test_shipped_files_live_in_the_package():
    pkg_dir = osp.join(osp.dirname(lgd_mm.__file__), 'vocabularies')
    assert set(VOCABULARIES) == {
        'imagenet', 'caltech256', 'coco', 'lvis_v1', 'ade20k', 'cityscapes'
    }
    for path in VOCABULARIES.values():
        assert osp.isfile(path)
        assert osp.dirname(path) == pkg_dir


@pytest.mark.parametrize('raw,expected', [
    ('bed ', 'bed'),
    ('063.electric-guitar-101', 'electric guitar'),
    ('teddy_bear', 'teddy bear'),
    ('232.t-shirt', 't shirt'),
    ('001.ak47', 'ak47'),
    ('  hot__dog \t', 'hot dog'),
    ('bow_(weapon)', 'bow (weapon)'),
    ('Golden Retriever', 'Golden Retriever'),
])
def test_normalize_class_name(raw, expected):
    assert normalize_class_name(raw) == expected


def test_source_quirks_are_normalised():
    assert 'bed' in load_vocabulary('ade20k')  # mmseg spells it 'bed '
    caltech = load_vocabulary('caltech256')
    assert caltech[0] == 'ak47' and caltech[-1] == 'toad'
    assert caltech[62] == 'electric guitar'
    assert 'clutter' not in caltech
    assert load_vocabulary('lvis')[0] == 'aerosol can'
    assert load_vocabulary('coco')[:2] == ['person', 'bicycle']


def test_imagenet_uses_openai_names():
    names = load_vocabulary('imagenet')
    openai = [normalize_class_name(n) for n in IMAGENET_CLASSNAMES]
    differ = [i for i, (a, b) in enumerate(zip(names, openai)) if a != b]
    # Only the two OpenAI names that collide are disambiguated.
    assert differ == [744, 836]
    assert (names[657], names[744]) == ('missile', 'projectile')
    assert (names[836], names[837]) == ('sunglass', 'sunglasses')


def test_user_file(tmp_path):
    path = tmp_path / 'my_classes.txt'
    path.write_text('teddy_bear\n\n  cat \n063.electric-guitar-101\n\n')
    assert load_vocabulary(
        str(path)) == ['teddy bear', 'cat', 'electric guitar']


def test_list_of_names():
    assert load_vocabulary(['a_b', 'c']) == ['a b', 'c']


def test_unknown_key_error():
    with pytest.raises(ValueError, match='unknown vocabulary "imagenet21k"'):
        load_vocabulary('imagenet21k')


def test_missing_file_error(tmp_path):
    path = str(tmp_path / 'nope.txt')
    with pytest.raises(ValueError, match='does not exist') as err:
        load_vocabulary(path)
    assert path in str(err.value)


def test_empty_file_error(tmp_path):
    path = tmp_path / 'empty.txt'
    path.write_text('\n   \n\n')
    with pytest.raises(ValueError, match='is empty') as err:
        load_vocabulary(str(path))
    assert str(path) in str(err.value)


def test_duplicates_after_normalisation_error(tmp_path):
    path = tmp_path / 'dups.txt'
    path.write_text('teddy_bear\ncat\nteddy-bear\n')
    with pytest.raises(ValueError, match='duplicate') as err:
        load_vocabulary(str(path))
    assert "'teddy bear' (entries 1 and 3)" in str(err.value)
    assert str(path) in str(err.value)


def test_vocabulary_hash():
    h = vocabulary_hash(['cat', 'teddy bear'])
    assert len(h) == 64 and int(h, 16) >= 0
    assert h == vocabulary_hash(['cat ', 'teddy_bear'])  # normalised
    assert h != vocabulary_hash(['teddy bear', 'cat'])  # order matters
    assert vocabulary_hash(['a b', 'c']) != vocabulary_hash(['a', 'b c'])


def test_shipped_files_match_installed_sources():
    """The .txt files are what the generator makes from the pinned stack."""
    script = osp.join(ROOT, 'tools', 'misc', 'gen_vocabularies.py')
    proc = subprocess.run([sys.executable, script, '--check'],
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'up to date' in proc.stdout
