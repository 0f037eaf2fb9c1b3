# mmseg's MobileNetV2 (same keys as mmpretrain's, plus dilation; it has no
# final 1x1 conv, whose weights are left unused), dilated like mmseg's
# mobilenet-v2-d8 FCN.
_base_ = './_base_/fcn-d8_4xb2-80k_cityscapes-769x769.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.0,
        strides=(1, 2, 2, 1, 1, 1, 1),
        dilations=(1, 1, 1, 2, 2, 4, 4),
        out_indices=(1, 2, 4, 6),
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        init_cfg=dict(
            type='Pretrained', checkpoint=None, prefix='backbone.')),
    decode_head=dict(in_channels=320),
    auxiliary_head=dict(in_channels=96))
