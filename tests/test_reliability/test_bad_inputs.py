"""Bad inputs are refused before work starts, with a message naming the
file / key / value and what was expected (docs/reliability.md)."""
import copy
import glob
import json
import os.path as osp
import shutil
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from torch import nn

from lgd_mm.datasets import (BadImageError, CheckedLoadImageFromFile,
                             CocoAnnotationError, check_coco_json,
                             check_config_coco, check_data_roots)
from lgd_mm.engine import DataCheckHook
from lgd_mm.models.banks.queue import InstanceQueue
from lgd_mm.models.teachers import CLIPTeacher
from lgd_mm.models.teachers.factory import create_clip_model
from lgd_mm.registry import TRANSFORMS
from lgd_mm.utils import InsufficientMemoryError, safe_torch_load
from lgd_mm.engine.runner.build import apply_global_batch_size
from runner_utils import CONFIG, run_train, tiny_config


# 1. teacher weights: missing is tests/test_models/test_teachers/
#    test_clip_teacher.py; unreadable or another architecture: -------------
def test_teacher_weights_unreadable_or_other_arch(tmp_path):
    empty = tmp_path / 'empty.pt'
    empty.write_bytes(b'')
    with pytest.raises(ValueError, match=r'empty.pt .*empty file \(0 bytes'):
        CLIPTeacher(model_name='lgd-tiny-rn', pretrained=str(empty))
    junk = tmp_path / 'junk.pt'
    junk.write_bytes(b'not a checkpoint' * 8)
    with pytest.raises(ValueError, match='junk.pt .*not a readable checkpo'):
        CLIPTeacher(model_name='lgd-tiny-rn', pretrained=str(junk))
    with pytest.raises(IsADirectoryError, match='is a directory'):
        CLIPTeacher(model_name='lgd-tiny-rn', pretrained=str(tmp_path))
    vit = tmp_path / 'vit.pt'
    torch.save(create_clip_model('lgd-tiny-vit')[0].state_dict(), vit)
    with pytest.raises(ValueError) as err:
        CLIPTeacher(model_name='lgd-tiny-rn', pretrained=str(vit))
    msg = str(err.value)
    assert f'teacher weights {vit}' in msg and 'do not fit open_clip ' \
        'lgd-tiny-rn' in msg
    assert 'missing keys: [visual.bn1.weight' in msg
    assert 'unexpected keys: [visual.class_embedding' in msg
    assert 'another architecture' in msg


# 2. unknown open_clip model name ------------------------------------------
def test_unknown_open_clip_model_suggests_close_names():
    with pytest.raises(ValueError) as err:
        CLIPTeacher(model_name='RN50-quickgleu')
    msg = str(err.value)
    assert 'Unknown open_clip model "RN50-quickgleu"' in msg
    assert 'did you mean RN50-quickgelu or' in msg


# 3. vocabulary: empty / duplicates are tests/test_vocabularies.py; the
#    class count against the evaluation set and the classifier head: ------
def test_vocabulary_class_count_differs_from_val_set(toyworld, tmp_path):
    names = (toyworld / 'classnames.txt').read_text().split('\n')
    vocab = tmp_path / 'fifteen.txt'
    vocab.write_text('\n'.join(names[:15]))
    cfg = tiny_config(
        toyworld,
        tmp_path / 'work',
        **{
            'model.text_bank.vocab': str(vocab),
            'val_dataloader.dataset.indices': None  # every class
        })
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError) as err:
        runner.train()
    msg = str(err.value)
    assert 'vocabulary of 15 classes' in msg and str(vocab) in msg
    assert 'val_dataloader.dataset (ImageNet' in msg
    assert 'whose labels go up to 15 (16 classes)' in msg
    assert runner.iter == 0


def _fake_runner(model, loader):
    return SimpleNamespace(model=model, train_dataloader=loader, val_loop=None)


def _loader(dataset, batch_size=2, drop_last=False):
    return torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, drop_last=drop_last)


class _Labelled(list):
    """A labelled data set of classes a, b, c."""
    metainfo = dict(classes=('a', 'b', 'c'))

    def get_gt_labels(self):
        return [i % 3 for i in range(len(self))]


def test_classifier_head_num_classes_differs_from_train_set():
    model = nn.Module()
    model.head = SimpleNamespace(num_classes=1000)
    with pytest.raises(
            ValueError,
            match=r'model.head.num_classes=1000 but '
            r'the labels of train_dataloader.dataset \(_Labelled\)'
            r' go up to 2 \(3 classes\)'):
        DataCheckHook().before_train(
            _fake_runner(model, _loader(_Labelled(range(4)))))


# 5. data root missing or an empty split -----------------------------------
def test_missing_data_root_is_named_with_its_key(tmp_path):
    cfg = Config.fromfile(CONFIG)
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'imagenet')
    with pytest.raises(FileNotFoundError) as err:
        check_data_roots(cfg, ('train_dataloader', 'val_dataloader'))
    assert (f"train_dataloader.dataset.data_root='{tmp_path}/imagenet' does "
            'not exist') in str(err.value)
    cfg.train_dataloader.dataset.data_root = str(tmp_path)
    cfg.train_dataloader.dataset.ann_file = 'meta/train.txt'
    with pytest.raises(
            FileNotFoundError,
            match=r"ann_file='meta/train.txt'"
            r' does not exist'):
        check_data_roots(cfg, ('train_dataloader', ))


def test_empty_split_is_refused_before_the_runner_is_built(toyworld, tmp_path):
    root = tmp_path / 'empty_cls'
    (root / 'meta').mkdir(parents=True)
    (root / 'train').mkdir()
    (root / 'meta' / 'train.txt').write_text('\n')
    cfg = tiny_config(toyworld, tmp_path / 'work',
                      **{'train_dataloader.dataset.data_root': str(root)})
    with pytest.raises(ValueError) as err:
        check_data_roots(cfg, ('train_dataloader', 'val_dataloader'))
    assert (f'train_dataloader.dataset: annotation file {root}/meta/'
            'train.txt is empty (an empty split)') in str(err.value)
    # data sets that do build empty are stopped before the first step
    with pytest.raises(
            ValueError, match=r'train_dataloader.dataset '
            r'\(list\) is empty'):
        DataCheckHook().before_train(_fake_runner(nn.Module(), _loader([])))


def test_fewer_samples_than_a_batch_is_refused():
    with pytest.raises(
            ValueError,
            match=r'yields no batch: 3 samples, '
            'batch_size=4 with drop_last=True'):
        DataCheckHook().before_train(
            _fake_runner(nn.Module(),
                         _loader(list(range(3)), 4, drop_last=True)))


# 6. a corrupt or zero-byte image -------------------------------------------
def test_bad_image_is_named_or_skipped_and_counted(toyworld, tmp_path):
    good = sorted(glob.glob(f'{toyworld}/cls/train/*/*.jpg'))[0]
    zero = tmp_path / 'zero.jpg'
    zero.write_bytes(b'')
    cut = tmp_path / 'cut.jpg'
    cut.write_bytes(open(good, 'rb').read()[:200])
    # the pipelines' plain `LoadImageFromFile` is the checked one
    with DefaultScope.overwrite_default_scope('lgd_mm'):
        load = TRANSFORMS.build(dict(type='LoadImageFromFile'))
    assert isinstance(load, CheckedLoadImageFromFile)
    assert load(dict(img_path=good))['img'].shape == (64, 64, 3)
    for path, size in ((zero, '0 bytes'), (cut, '200 bytes')):
        with pytest.raises(BadImageError) as err:
            load(dict(img_path=str(path)))
        assert f'cannot decode image {path} ({size}' in str(err.value)
        assert 'skip_bad_images=True' in str(err.value)
    skip = CheckedLoadImageFromFile(skip_bad_images=True)
    before = CheckedLoadImageFromFile.num_skipped
    assert skip(dict(img_path=str(zero))) is None
    assert skip(dict(img_path=str(cut))) is None
    assert CheckedLoadImageFromFile.num_skipped == before + 2


def test_skipped_image_is_replaced_by_another_sample(toyworld, tmp_path):
    from mmpretrain.datasets import CustomDataset
    root = tmp_path / 'cls'
    shutil.copytree(f'{toyworld}/cls/train/blue_circle', root / 'a')
    bad = sorted(glob.glob(str(root / 'a' / '*.jpg')))[0]
    open(bad, 'wb').close()
    pipeline = [
        dict(type='LoadImageFromFile', skip_bad_images=True),
        dict(type='PackInputs')
    ]
    with DefaultScope.overwrite_default_scope('lgd_mm'):
        dataset = CustomDataset(data_root=str(root), pipeline=pipeline)
        paths = [
            dataset.get_data_info(i)['img_path'] for i in range(len(dataset))
        ]
        index = paths.index(bad)
        assert dataset[index]['inputs'].shape == (3, 64, 64)
        dataset.test_mode = True  # evaluation cannot skip
        dataset.pipeline.transforms[0].skip_bad_images = False
        with pytest.raises(BadImageError, match=osp.basename(bad)):
            dataset[index]


# 7. COCO json with boxes outside the image / masks that do not match ------
def test_coco_json_with_bad_boxes_or_masks(toyworld, tmp_path):
    src = f'{toyworld}/coco/annotations/instances_train.json'
    assert check_coco_json(src)['annotations'] > 0
    data = json.load(open(src))
    first, second = data['annotations'][:2]
    image = {i['id']: i for i in data['images']}[first['image_id']]
    first['bbox'][0] = image['width'] - 2.0  # x2 beyond the right edge
    second['segmentation'] = [[1, 1, 6, 1, 6, 6, 1, 6]]  # another place
    bad = tmp_path / 'instances_bad.json'
    bad.write_text(json.dumps(data))
    with pytest.raises(CocoAnnotationError) as err:
        check_coco_json(str(bad))
    msg = str(err.value)
    # the moved box also no longer matches its mask: 3 problems
    assert f'{bad}: 3 invalid COCO annotations' in msg
    assert (f'annotation id {first["id"]} (image '
            f"'{image['file_name']}'): bbox") in msg
    assert f'lies outside the {image["width"]}x{image["height"]} image' in msg
    assert f'annotation id {second["id"]}' in msg and 'does not match ' \
        'bbox' in msg
    # benchmark configs are checked through their data loaders
    cfg = Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='CocoDataset',
                    data_root=str(tmp_path),
                    ann_file='instances_bad.json'))))
    with pytest.raises(CocoAnnotationError):
        check_config_coco(cfg)


# 10. --cfg-options naming a key that does not exist ------------------------
def test_unknown_cfg_option_fails_before_anything_is_built(tmp_path):
    proc = run_train(CONFIG, str(tmp_path / 'work'),
                     {'model.backbone.dpeth': 18})
    assert proc.returncode != 0
    assert ('--cfg-options model.backbone.dpeth: model.backbone has no key '
            '"dpeth" and type \'MobileNetV3\' takes no such argument'
            ) in proc.stderr
    assert not osp.exists(tmp_path / 'work')  # nothing was started


def test_cfg_option_check_accepts_real_arguments():
    from lgd_mm.utils.cfg_options import (UnknownConfigKeyError,
                                          check_cfg_options)
    cfg = Config.fromfile(CONFIG)
    check_cfg_options(
        cfg, {
            'model.teacher.pretrained': None,
            'default_hooks.checkpoint.by_epoch': False,
            'train_dataloader.persistent_workers': False,
            'randomness.deterministic': True,
            'auto_scale_lr.enable': True,
            'global_batch_size': 512,
            'train_dataloader.dataset.pipeline.1.scale': 64,
        }, CONFIG)
    for key, hint in (('trian_cfg.max_epochs', 'Did you mean train_cfg'),
                      ('train_dataloader.dataset.pipeline.9.scale',
                       'a list of 7 entries'), ('randomness.sed',
                                                'Did you mean seed')):
        with pytest.raises(UnknownConfigKeyError, match=hint):
            check_cfg_options(cfg, {key: 1}, CONFIG)


# 11. batch not divisible across ranks / a bank larger than memory ----------
def test_global_batch_not_divisible_across_ranks(monkeypatch):
    cfg = Config(
        dict(
            global_batch_size=2048,
            launcher='pytorch',
            train_dataloader=dict(batch_size=256)))
    monkeypatch.setenv('WORLD_SIZE', '6')
    with pytest.raises(
            ValueError,
            match=r'global_batch_size=2048 cannot be '
            r'split over 6 ranks'):
        apply_global_batch_size(cfg)
    monkeypatch.setenv('WORLD_SIZE', '8')
    apply_global_batch_size(cfg)
    assert cfg.train_dataloader.batch_size == 256


def test_queue_not_a_multiple_of_the_global_batch():
    model = nn.Module()
    model.queue = InstanceQueue(embed_dim=8, size=10)
    with pytest.raises(
            ValueError,
            match=r'model.queue \(InstanceQueue\) has 10 entries, not a '
            r'multiple of the global batch 4'):
        DataCheckHook().before_train(
            _fake_runner(model, _loader(list(range(8)), 4)))


def test_bank_larger_than_memory_gives_an_estimate():
    with pytest.raises(InsufficientMemoryError) as err:
        InstanceQueue(embed_dim=1024, size=2**40)
    msg = str(err.value)
    assert 'InstanceQueue (1024 x 1099511627776 fp32) needs 4096.0 TiB' in msg
    assert 'GiB of cpu memory is available' in msg
    assert 'Reduce model.queue_size' in msg


# 12. resuming under another method, student or vocabulary ------------------
@pytest.fixture(scope='module')
def lgd_checkpoint(toyworld, tmp_path_factory):
    work = tmp_path_factory.mktemp('lgd_resume_src')
    Runner.from_cfg(tiny_config(toyworld, work)).train()
    return osp.join(work, 'epoch_1.pth')


def _resume(toyworld, work, ckpt, **options):
    cfg = tiny_config(toyworld, work, **options)
    cfg.resume, cfg.load_from = True, ckpt
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    return runner


def test_resume_with_another_vocabulary_student_or_method(
        lgd_checkpoint, toyworld, tmp_path):
    # same config: fine
    assert _resume(toyworld, tmp_path / 'ok', lgd_checkpoint).iter == 3
    names = (toyworld / 'classnames.txt').read_text().split('\n')
    vocab = tmp_path / 'renamed.txt'
    vocab.write_text('\n'.join(['red blob'] + names[1:]))
    with pytest.raises(ValueError) as err:
        _resume(toyworld, tmp_path / 'vocab', lgd_checkpoint,
                **{'model.text_bank.vocab': str(vocab)})
    msg = str(err.value)
    assert msg.startswith('Cannot resume') and 'vocabulary' in msg
    assert str(vocab) in msg and 'classnames.txt' in msg
    with pytest.raises(ValueError) as err:
        _resume(toyworld, tmp_path / 'student', lgd_checkpoint,
                **{'model.backbone.arch': 'small'})
    assert 'shape mismatches: [backbone.' in str(err.value)
    # another method: a checkpoint recorded as SEED's
    ckpt = safe_torch_load(lgd_checkpoint)
    ckpt = copy.deepcopy(ckpt)
    ckpt['meta']['lgd_mm']['algorithm'] = 'SEED'
    seed_ckpt = str(tmp_path / 'seed.pth')
    torch.save(ckpt, seed_ckpt)
    with pytest.raises(
            ValueError,
            match="algorithm 'SEED' in the checkpoint"
            " vs 'LGD' in this config"):
        _resume(toyworld, tmp_path / 'method', seed_ckpt)
