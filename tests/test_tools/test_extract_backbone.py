"""tools/extract_backbone.py and the backbone load check.

Distillation checkpoints of the four students are exported, then loaded
into the students' mmdet and mmseg models built from configs/benchmarks;
wrong prefixes, other architectures, another normalisation and model-zoo
URLs must fail with the load check's message.
"""
import logging
import os.path as osp
import runpy
import sys

import pytest
import torch
import torchvision
from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger
from mmengine.registry import MODELS, DefaultScope

from lgd_mm.benchmark.extract import (CLIP_NORM, convert_state,
                                      detect_layout, extract_backbone)
from lgd_mm.benchmark.runner import prepare_config, sync_bn_to_bn
from lgd_mm.benchmark.students import load_student, student_ids
from lgd_mm.utils.load_check import BackboneLoadError, check_module_loaded

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'extract_backbone.py')




def _backbone(sid):
    """The student's pre-training backbone config, with plain BN."""
    return sync_bn_to_bn(load_student(sid)['pretrain_backbone'])

def _randomise_bn(module):
    """Non-default BN statistics, so 'loaded' differs from 'initialised'."""
    gen = torch.Generator().manual_seed(0)
    for m in module.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.1, 0.1, generator=gen)
            m.running_var.uniform_(0.5, 1.5, generator=gen)
    return module


def distill_checkpoint(path, student):
    """A file laid out like an lgd_mm pre-training checkpoint: backbone,
    projector, banks, optimizer, message hub and ``meta['lgd_mm']``."""
    import mmpretrain.models  # noqa: F401
    from mmpretrain.registry import MODELS as PRE_MODELS
    backbone = _randomise_bn(PRE_MODELS.build(_backbone(student)))
    state = {f'backbone.{k}': v for k, v in backbone.state_dict().items()}
    state.update({
        'neck.fc0.weight': torch.randn(8, 4),
        'neck.fc1.weight': torch.randn(4, 8),
        'text_bank.bank': torch.randn(4, 16),
        'visual_bank.prototypes': torch.randn(4, 16),
    })
    hub = MessageHub.get_instance(f'ckpt_{student}')
    hub.update_scalar('train/loss', 1.0)
    torch.save(
        dict(
            state_dict=state,
            optimizer=dict(state={}, param_groups=[dict(lr=0.1)]),
            message_hub=hub.state_dict(),
            meta=dict(
                epoch=2,
                iter=10,
                lgd_mm=dict(
                    algorithm='LGD',
                    student=type(backbone).__name__,
                    teacher='RN50-quickgelu',
                    **CLIP_NORM))), path)
    return path


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """student id -> backbone file written by the tool's CLI."""
    root = tmp_path_factory.mktemp('export')
    files = {}
    for sid in student_ids():
        src = distill_checkpoint(str(root / f'{sid}_ckpt.pth'), sid)
        out = str(root / f'{sid}_backbone.pth')
        argv = sys.argv
        sys.argv = [TOOL, src, out]
        try:
            runpy.run_path(TOOL, run_name='__main__')
        finally:
            sys.argv = argv
        files[sid] = out
    return files


def test_export_is_backbone_only_and_weights_only_loadable(exported):
    ckpt = torch.load(exported['r18'], weights_only=True)
    keys = list(ckpt['state_dict'])
    assert keys and all(k.startswith('backbone.') for k in keys)
    meta = ckpt['meta']
    assert meta['algorithm'] == 'LGD' and meta['arch'] == 'r18'
    assert meta['mean'] == CLIP_NORM['mean'] and meta['epoch'] == 2
    for sid, path in exported.items():
        assert torch.load(path, weights_only=True)['meta']['arch'] == sid


def test_keep_head_keeps_projector_not_banks(tmp_path):
    src = distill_checkpoint(str(tmp_path / 'c.pth'), 'mbv2')
    payload = extract_backbone(src, str(tmp_path / 'o.pth'), keep_head=True)
    keys = set(payload['state_dict'])
    # the former ProjectionNeck's keys come out in the one layout
    assert {'neck.mlp.0.weight', 'neck.mlp.2.weight'} <= keys
    assert not any(k.startswith(('text_bank', 'visual_bank')) for k in keys)
    assert payload['meta']['keep_head'] is True


def _det_seg_models(student,
                    checkpoint,
                    tasks=('coco_mask-rcnn_fpn_1x', 'ade20k_upernet_160k')):
    """The student's Mask R-CNN and UPerNet from configs/benchmarks, with
    the backbone initialised from ``checkpoint`` (``init_cfg=Pretrained``;
    Runner-level runs initialise whole models in tests/test_benchmarks)."""
    for task in tasks:
        cfg = prepare_config(task, student, checkpoint, '/tmp/unused')
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            model = MODELS.build(cfg.model)
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel(logging.WARNING)  # mmengine logs every parameter
        try:
            model.backbone.init_weights()
        finally:
            logger.setLevel(level)
        yield task, model


@pytest.mark.parametrize('student', student_ids())
def test_export_loads_fully_into_mmdet_and_mmseg(exported, student):
    for task, model in _det_seg_models(student, exported[student]):
        report = check_module_loaded(model, exported[student])
        assert report.ratio == 1.0, (task, report.details())
        assert not report.missing and not report.unexpected


def test_mmseg_dilated_mobilenet_v2_leaves_only_final_conv(exported):
    """mmseg's own (dilated) MobileNetV2 shares mmpretrain's keys but has no
    final 1x1 conv: all its tensors load, conv2.* is listed as unexpected."""
    _, model = next(
        _det_seg_models('mbv2', exported['mbv2'], ['cityscapes_fcn-d8_80k']))
    report = check_module_loaded(model, exported['mbv2'])
    assert report.ratio == 1.0 and type(
        model.backbone).__module__.startswith('mmseg')
    assert report.unexpected and all(
        k.startswith('conv2.') for k in report.unexpected)


def test_weights_never_applied_fail(exported):
    """Right keys and shapes are not enough: values must be in the model."""
    import mmpretrain.models  # noqa: F401
    from mmpretrain.registry import MODELS as PRE_MODELS
    model = torch.nn.Module()
    model.backbone = PRE_MODELS.build(_backbone('r18'))
    with pytest.raises(BackboneLoadError, match='not loaded into the model'):
        check_module_loaded(model, exported['r18'], check_norm=False)
    check_module_loaded(
        model, exported['r18'], compare_values=False, check_norm=False)


def test_wrong_prefix_and_wrong_arch_fail_with_key_lists(exported):
    model = next(_det_seg_models('r18', exported['r18']))[1]
    with pytest.raises(BackboneLoadError) as err:
        check_module_loaded(model, exported['r18'], prefix='student.')
    msg = str(err.value)
    assert '0.0% of the backbone tensors' in msg
    assert 'missing keys: [conv1.weight' in msg
    assert "the file holds ['backbone.']" in msg
    # a MobileNetV2 file for the ResNet-18 detector
    with pytest.raises(BackboneLoadError) as err:
        check_module_loaded(model, exported['mbv2'], compare_values=False)
    msg = str(err.value)
    assert 'missing keys: [conv1.weight' in msg
    assert 'unexpected keys: [conv1.conv.weight' in msg


def test_hook_fails_stock_runner_on_other_arch(exported, toyworld, tmp_path):
    """The hook in the configs stops a real mmdet Runner before training."""
    from lgd_mm.datasets.toyworld import TOYWORLD_CLASSES
    from lgd_mm.engine.runner import build_runner
    root = f'{toyworld}/coco/'
    cfg = prepare_config(
        'coco_retinanet_fpn_1x',
        'r18',
        exported['mbv2'],
        str(tmp_path),
        cfg_options=dict(
            train_dataloader=dict(
                num_workers=0,
                persistent_workers=False,
                dataset=dict(
                    data_root=root,
                    metainfo=dict(classes=TOYWORLD_CLASSES),
                    ann_file='annotations/instances_train.json',
                    data_prefix=dict(img='train/'))),
            val_dataloader=None,
            val_cfg=None,
            val_evaluator=None))
    runner = build_runner(cfg)
    with pytest.raises(BackboneLoadError, match='unexpected keys'):
        runner.train()
    assert runner.iter == 0


def test_zoo_url_and_normalisation_mismatch_fail(exported, tmp_path):
    from lgd_mm.engine.hooks import BackboneLoadCheckHook
    cfg = Config(
        dict(
            model=dict(
                backbone=dict(
                    init_cfg=dict(
                        type='Pretrained', checkpoint='torchvision://r18')))))

    class FakeRunner:
        pass

    runner = FakeRunner()
    runner.cfg = cfg
    with pytest.raises(BackboneLoadError, match='torchvision://r18'):
        BackboneLoadCheckHook().before_run(runner)

    model = next(_det_seg_models('r18', exported['r18']))[1]
    model.data_preprocessor.mean.copy_(
        torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1))
    with pytest.raises(BackboneLoadError, match='normalisation mismatch'):
        check_module_loaded(model, exported['r18'])


def _bn_stats(model):
    _randomise_bn(model)
    return model.eval()


@pytest.mark.parametrize('arch', ['resnet18', 'mobilenet_v2'])
def test_torchvision_and_official_layouts(tmp_path, arch):
    """Renamed weights compute the same features as torchvision's model."""
    import mmpretrain.models  # noqa: F401
    from mmpretrain.registry import MODELS as PRE_MODELS
    tv = _bn_stats(getattr(torchvision.models, arch)())
    sid = 'r18' if arch == 'resnet18' else 'mbv2'
    # official LGD: student under module.student., projector in fc
    sd = {
        f'module.student.{k}': v
        for k, v in tv.state_dict().items()
        if not k.startswith(('fc.', 'classifier.'))
    }
    sd.update({
        'module.student.fc.0.weight': torch.randn(8, 8),
        'module.student.fc.2.weight': torch.randn(4, 8),
        'module.queue': torch.randn(4, 3),
        'module.teacher.visual.conv1.weight': torch.randn(2, 3, 1, 1)
    })
    torch.save(dict(state_dict=sd), tmp_path / 'official.pth')
    torch.save(tv.state_dict(), tmp_path / 'tv.pth')
    x = torch.randn(2, 3, 64, 64)
    feats = tv.features(x) if sid == 'mbv2' else torch.nn.Sequential(
        *list(tv.children())[:-2])(
            x)
    tv_layout = 'torchvision-resnet' if sid == 'r18' else \
        'torchvision-mobilenet_v2'
    for name, layout, mean in (('tv.pth', tv_layout, [123.675, 116.28,
                                                      103.53]),
                               ('official.pth', 'official-lgd',
                                CLIP_NORM['mean'])):
        payload = extract_backbone(
            str(tmp_path / name),
            str(tmp_path / f'{name}.out'),
            keep_head=name == 'official.pth')
        meta = payload['meta']
        assert (meta['layout'], meta['arch'], meta['mean']) == (layout, sid,
                                                                mean)
        student = PRE_MODELS.build(_backbone(sid))
        student.load_state_dict(
            {
                k[9:]: v
                for k, v in payload['state_dict'].items()
                if k.startswith('backbone.')
            },
            strict=True)
        student.eval()
        assert torch.allclose(student(x)[-1], feats, atol=1e-5)
    assert 'neck.mlp.2.weight' in payload['state_dict']
    # re-exporting an export (tools/benchmark.py does) keeps its record
    again = extract_backbone(str(tmp_path / 'tv.pth.out'))['meta']
    assert again['mean'] == [123.675, 116.28, 103.53]
    assert again['layout'] == tv_layout
    assert not any('teacher' in k or 'queue' in k
                   for k in payload['state_dict'])


def test_layout_detection_rejects_unknown():
    assert detect_layout({'backbone.x': torch.zeros(1)}) == 'mmengine'
    with pytest.raises(ValueError, match='unrecognised checkpoint layout'):
        detect_layout({'encoder.x': torch.zeros(1)})
    assert list(
        convert_state(
            {
                'module.backbone.a': torch.zeros(1),
                'module.head.b': torch.zeros(1)
            }, 'mmengine')) == ['backbone.a']
    cfg = dict(a=dict(type='SyncBN'), b=[dict(type='SyncBN', x=1)])
    assert sync_bn_to_bn(cfg) == dict(
        a=dict(type='BN'), b=[dict(type='BN', x=1)])


def test_pickled_options_need_trusted(tmp_path):
    """Third-party files that pickle more than tensors are refused unless
    the user vouches for them."""
    import argparse

    from lgd_mm.utils import UnsafeCheckpointError
    sd = {
        f'module.student.{k}': v
        for k, v in torchvision.models.resnet18().state_dict().items()
    }
    src = str(tmp_path / 'official.pth.tar')
    torch.save(dict(state_dict=sd, args=argparse.Namespace(arch='r18')), src)
    with pytest.raises(UnsafeCheckpointError):
        extract_backbone(src)
    with pytest.warns(UserWarning, match='files you trust'):
        meta = extract_backbone(src, trusted=True)['meta']
    assert meta['arch'] == 'r18' and meta['algorithm'] == 'LGD'
