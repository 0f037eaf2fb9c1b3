# mmseg's plain ResNet (7x7 stem, keys as in torchvision), dilated like
# fcn_r18-d8; ResNetV1c's deep stem would stay random.
_base_ = './_base_/fcn-d8_4xb2-80k_cityscapes-769x769.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=18,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        contract_dilation=True,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint=None, prefix='backbone.')),
    decode_head=dict(in_channels=512, channels=128),
    auxiliary_head=dict(in_channels=256, channels=64))
