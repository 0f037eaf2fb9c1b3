"""ToyWorld captions: dataset, class-disjoint sampler, class prompts."""
import os.path as osp

import numpy as np
import pytest

from lgd_mm.datasets import (ClassDisjointSampler, RandomClassPrompt,
                             ToyWorldCaptionDataset)
from lgd_mm.registry import DATA_SAMPLERS, DATASETS, TRANSFORMS


@pytest.fixture(scope='module')
def captions(toyworld):
    return DATASETS.build(
        dict(
            type='ToyWorldCaptionDataset',
            data_root=osp.join(str(toyworld), 'cls', ''),
            ann_file='captions_train.tsv'))


def test_dataset_pairs_images_with_captions_and_labels(toyworld, captions):
    # 'ci' preset: 8 training images for each of the 16 classes
    assert len(captions) == 128
    names = list(captions.metainfo['classes'])
    with open(osp.join(str(toyworld), 'classnames.txt')) as f:
        assert names == [line.strip() for line in f if line.strip()]
    for i in (0, 57, 127):
        info = captions.get_data_info(i)
        folder = info['img_path'].split('/')[-2]
        assert folder == names[info['gt_label']].replace(' ', '_')
        assert info['class_name'] == names[info['gt_label']]
        # generator captions name the class
        assert names[info['gt_label']] in info['caption']
        assert osp.isfile(info['img_path'])
    assert np.bincount(captions.get_gt_labels()).tolist() == [8] * 16


def test_dataset_names_a_missing_table(toyworld):
    with pytest.raises(FileNotFoundError, match='captions_test.tsv'):
        ToyWorldCaptionDataset(
            data_root=osp.join(str(toyworld), 'cls'),
            ann_file='captions_test.tsv')


def test_class_disjoint_sampler_groups_hold_every_class(captions):
    sampler = DATA_SAMPLERS.build(
        dict(type='ClassDisjointSampler', dataset=captions, seed=3))
    labels = np.asarray(captions.get_gt_labels())
    order = list(sampler)
    assert len(order) == len(sampler) == 128
    assert sorted(order) == list(range(128))
    for start in range(0, 128, 16):
        assert sorted(labels[order[start:start + 16]]) == list(range(16))
    assert order == list(sampler)  # same seed and epoch, same order
    sampler.set_epoch(1)
    assert list(sampler) != order
    other = ClassDisjointSampler(captions, seed=4)
    assert list(other) != order


def test_class_disjoint_sampler_drops_the_surplus_of_large_classes(captions):
    # one class with 2 samples: 2 groups per epoch
    labels = np.asarray(captions.get_gt_labels())
    keep = [i for i in range(len(labels)) if labels[i] != 0] + list(
        np.flatnonzero(labels == 0)[:2])

    class Subset:

        def get_gt_labels(self):
            return labels[keep]

    sampler = ClassDisjointSampler(Subset(), seed=0)
    assert len(sampler) == len(list(sampler)) == 32


def test_random_class_prompt():
    results = dict(caption='a striped red star.', class_name='red star')
    never = TRANSFORMS.build(dict(type='RandomClassPrompt', prob=0.))
    assert never(dict(results))['text'] == 'a striped red star.'
    always = RandomClassPrompt(prob=1., templates=['a photo of a {}.'])
    assert always(dict(results))['text'] == 'a photo of a red star.'
    np.random.seed(0)
    mixed = RandomClassPrompt(prob=0.5)
    texts = [mixed(dict(results))['text'] for _ in range(200)]
    prompts = [t for t in texts if t != results['caption']]
    assert 60 < len(prompts) < 140
    assert all('red star' in t for t in prompts)
    assert len(set(prompts)) > 20  # drawn from the 80 OpenAI templates
    with pytest.raises(ValueError, match='prob'):
        RandomClassPrompt(prob=1.5)
