"""The zero-shot vocabulary must be the evaluation set's classes (names
and count, before training), large vocabularies need a flag, and a file
that is not UTF-8 is named."""
from types import SimpleNamespace

import pytest
import torch
from mmpretrain.datasets import CustomDataset, ImageNet
from torch import nn

from lgd_mm.engine import DataCheckHook
from lgd_mm.engine.hooks import data_check_hook
from lgd_mm.models.banks.text_bank import TextualSemanticsBank
from lgd_mm.vocabularies import load_vocabulary


def _names(toyworld):
    return (toyworld / 'classnames.txt').read_text().split('\n')


def _check(vocab_file, dataset):
    """DataCheckHook.before_val on a model whose text bank reads
    ``vocab_file``."""
    model = nn.Module()
    model.text_bank = TextualSemanticsBank(
        vocab=str(vocab_file), templates='simple')
    loader = torch.utils.data.DataLoader(dataset, batch_size=4)
    runner = SimpleNamespace(
        model=model, val_loop=SimpleNamespace(dataloader=loader))
    DataCheckHook().before_val(runner)


def _toyworld_val(toyworld, **kwargs):
    # the ToyWorld recipe's val set: ImageNet type with meta/val.txt, so
    # metainfo holds mmpretrain's 1000 default names; the class folders
    # name the labels
    return ImageNet(data_root=f'{toyworld}/cls', split='val', **kwargs)


def test_inserted_name_is_refused(toyworld, tmp_path):
    names = _names(toyworld)
    vocab = tmp_path / 'seventeen.txt'
    vocab.write_text('\n'.join(names[:3] + ['purple hexagon'] + names[3:]))
    with pytest.raises(ValueError) as err:
        _check(vocab, _toyworld_val(toyworld))
    msg = str(err.value)
    assert str(vocab) in msg and '17 names' in msg
    assert ("first difference at index 3: 'purple hexagon' in the "
            "vocabulary vs 'blue_triangle' in the data set") in msg
    assert 'image folder names' in msg


def test_renamed_class_of_the_right_count_is_refused(toyworld, tmp_path):
    names = _names(toyworld)
    vocab = tmp_path / 'renamed.txt'
    vocab.write_text('\n'.join(names[:9] + ['red blob'] + names[10:]))
    with pytest.raises(
            ValueError,
            match=r"index 9: 'red blob' in the "
            r"vocabulary vs 'red_square'"):
        _check(vocab, _toyworld_val(toyworld))


def test_metainfo_classes_are_compared_by_name_and_count(toyworld, tmp_path):
    names = _names(toyworld)
    dataset = CustomDataset(data_root=f'{toyworld}/cls/val')  # folder scan
    vocab = tmp_path / 'swapped.txt'
    vocab.write_text('\n'.join([names[1], names[0]] + names[2:]))
    with pytest.raises(ValueError) as err:
        _check(vocab, dataset)
    msg = str(err.value)
    assert 'does not match the 16 classes' in msg
    assert ("index 0: 'blue square' in the vocabulary vs 'blue_circle'" in msg
            and 'metainfo classes' in msg)
    vocab.write_text('\n'.join(names + ['purple hexagon']))
    with pytest.raises(ValueError, match='17'):
        _check(vocab, dataset)


def test_names_compare_ignoring_case_underscores_and_spaces(
        toyworld, tmp_path):
    vocab = tmp_path / 'spelled.txt'
    vocab.write_text('\n'.join(n.upper().replace(' ', '_') if i %
                               2 else f'  {n}  '.replace(' ', '   ')
                               for i, n in enumerate(_names(toyworld))))
    _check(vocab, _toyworld_val(toyworld))
    _check(vocab, CustomDataset(data_root=f'{toyworld}/cls/val'))
    # a subset that misses later classes is no mismatch
    _check(vocab, _toyworld_val(toyworld, indices=6))
    # real ImageNet: mmpretrain's default names (another spelling of the
    # official vocabulary) and a flat val folder name no class: no check
    assert data_check_hook.eval_class_names(_FlatImageNetVal()) == (None,
                                                                    False, '')


class _FlatImageNetVal:
    METAINFO = ImageNet.METAINFO
    metainfo = dict(classes=ImageNet.METAINFO['classes'])

    def __len__(self):
        return 4

    def get_data_info(self, i):
        return dict(img_path=f'val/ILSVRC2012_val_{i:08d}.JPEG', gt_label=i)


def test_large_vocabulary_needs_a_flag_and_gets_an_estimate(tmp_path):
    vocab = tmp_path / 'captions.txt'
    vocab.write_text('\n'.join(f'class {i}' for i in range(5001)))
    with pytest.raises(ValueError) as err:
        TextualSemanticsBank(vocab=str(vocab))
    msg = str(err.value)
    assert str(vocab) in msg and '5001 class names' in msg
    assert '5001 names x 80 templates = 400,080 prompts' in msg
    assert 'on a CPU' in msg and 'allow_large_vocab=True' in msg
    bank = TextualSemanticsBank(vocab=str(vocab), allow_large_vocab=True)
    assert bank.num_classes == 5001
    TextualSemanticsBank(vocab=[f'c{i}' for i in range(5000)])  # at limit


def test_vocabulary_that_is_not_utf8_is_named(tmp_path):
    vocab = tmp_path / 'latin1.txt'
    vocab.write_bytes('caf\xe9\nna\xefve\n'.encode('latin-1'))
    with pytest.raises(ValueError) as err:
        load_vocabulary(str(vocab))
    msg = str(err.value)
    assert str(vocab) in msg and 'is not UTF-8' in msg
    assert 'offset 3' in msg
