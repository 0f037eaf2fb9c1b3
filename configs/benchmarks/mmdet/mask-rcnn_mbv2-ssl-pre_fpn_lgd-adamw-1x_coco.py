# Official LGD MobileNetV2 setting: three levels (indices 2/4/6 -> strides
# 8/16/32, [32, 96, 320] ch), with the pre-training ReLU6 instead of the
# original's LeakyReLU(0.1).
_base_ = './_base_/mask-rcnn_fpn_lgd-adamw-1x_coco.py'
strides = [8, 16, 32]
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.MobileNetV2',
        widen_factor=1.0,
        out_indices=(2, 4, 6),
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        init_cfg=dict(
            type='Pretrained', checkpoint=None, prefix='backbone.')),
    neck=dict(in_channels=[32, 96, 320], num_outs=3),
    rpn_head=dict(anchor_generator=dict(strides=strides)),
    roi_head=dict(
        bbox_roi_extractor=dict(featmap_strides=strides),
        mask_roi_extractor=dict(featmap_strides=strides)))
# the final 1x1 conv runs but feeds no output
find_unused_parameters = True
