_base_ = './lgd_r18.py'

# EfficientNet-B0; the final 1x1 conv (1280 ch) feeds the projector.
model = dict(
    backbone=dict(
        _delete_=True,
        type='EfficientNet',
        arch='b0',
        out_indices=(6, ),
        norm_cfg=dict(type='SyncBN', eps=1e-3, momentum=0.01)),
    neck=dict(in_channels=1280, hid_channels=1280))
