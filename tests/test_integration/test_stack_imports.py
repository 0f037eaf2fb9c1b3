"""The pinned OpenMMLab stack imports in one process and its ops run."""
import importlib.metadata as md

import pytest
import torch

PINS = {
    'torch': '2.13.0',
    'torchvision': '0.28.0',
    'mmengine': '0.10.7',
    'mmcv': '2.1.0',
    'mmdet': '3.3.0',
    'mmsegmentation': '1.2.2',
    'mmpretrain': '1.2.0',
    'open_clip_torch': '3.3.0',
}


def test_all_packages_import_with_pinned_versions():
    import mmcv
    import mmdet
    import mmengine
    import mmpretrain
    import mmseg
    import numpy
    import open_clip
    import torchvision

    import lgd_mm
    assert torch.__version__.split('+')[0] == PINS['torch']
    # the CPU-only local wheel breaks torchvision 0.28.0 (docs/stack.md)
    assert not torch.__version__.endswith('+cpu')
    assert torchvision.__version__.split('+')[0] == PINS['torchvision']
    assert mmengine.__version__ == PINS['mmengine']
    assert mmcv.__version__ == PINS['mmcv']
    assert mmdet.__version__ == PINS['mmdet']
    assert mmseg.__version__ == PINS['mmsegmentation']
    assert mmpretrain.__version__ == PINS['mmpretrain']
    assert open_clip.__version__ == PINS['open_clip_torch']
    assert int(numpy.__version__.split('.')[0]) < 2
    assert lgd_mm.__version__
    for dist, version in PINS.items():
        assert md.version(dist).split('+')[0] == version, dist


def test_mmcv_compiled_ops_run_on_cpu():
    from mmcv.ops import RoIAlign, batched_nms, nms
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.],
                          [50., 50., 60., 60.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    assert dets.shape == (2, 5)
    _, keep = batched_nms(boxes, scores, torch.tensor([0, 1, 0]),
                          dict(type='nms', iou_threshold=0.5))
    assert sorted(keep.tolist()) == [0, 1, 2]

    feats = torch.arange(2 * 8 * 8, dtype=torch.float32).reshape(1, 2, 8, 8)
    feats.requires_grad_(True)
    rois = torch.tensor([[0., 0., 0., 3., 3.], [0., 2., 2., 7., 7.]])
    roi_align = RoIAlign((2, 2), spatial_scale=1.0, sampling_ratio=2)
    out = roi_align(feats, rois)
    assert out.shape == (2, 2, 2, 2)
    # a constant-gradient backward reaches the input through the C++ kernel
    out.sum().backward()
    assert feats.grad is not None and feats.grad.sum() > 0
    # Bilinear sampling of the ramp f(y, x) = 8y + x is exact. roi 1 with
    # aligned=True spans [1.5, 6.5]; its first bin [1.5, 4.0] is sampled at
    # 2.125 and 3.375 on each axis, mean 2.75, so f = 8 * 2.75 + 2.75.
    assert out[1, 0, 0, 0].item() == pytest.approx(24.75, abs=1e-4)


def test_registries_are_children_of_mmpretrain():
    from mmengine.registry import MODELS as ENGINE_MODELS
    from mmpretrain.registry import MODELS as PRE_MODELS

    from lgd_mm.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS
    assert MODELS.parent is PRE_MODELS
    assert PRE_MODELS.parent is ENGINE_MODELS
    for reg in (MODELS, DATASETS, TRANSFORMS, METRICS, HOOKS):
        assert reg.scope == 'lgd_mm'
    # unscoped mmpretrain types resolve through the parent
    assert MODELS.get('ResNet') is PRE_MODELS.get('ResNet')
    # scoped types of sibling packages resolve from our registry too
    import mmdet.models  # noqa: F401
    import mmseg.models  # noqa: F401
    assert MODELS.get('mmdet.MaskRCNN').__module__.startswith('mmdet.')
    assert MODELS.get('mmseg.EncoderDecoder').__module__.startswith('mmseg.')
