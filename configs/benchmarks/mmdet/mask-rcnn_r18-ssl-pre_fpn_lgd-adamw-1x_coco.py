# Official LGD R18 setting: first stage frozen, frozen BN statistics.
_base_ = './_base_/mask-rcnn_fpn_lgd-adamw-1x_coco.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ResNet',
        depth=18,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=None, prefix='backbone.')),
    neck=dict(in_channels=[64, 128, 256, 512]))
