_base_ = './lgd_r18.py'

# MobileNetV2 1.0; the final 1x1 conv (1280 ch) feeds the projector (§1.5).
model = dict(
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.0,
        out_indices=(7, ),
        norm_cfg=dict(type='SyncBN')),
    neck=dict(in_channels=1280, hid_channels=1280))
