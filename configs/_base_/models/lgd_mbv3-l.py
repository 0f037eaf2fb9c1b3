_base_ = './lgd_r18.py'

# MobileNetV3-Large; its last conv layer (960 ch) feeds the projector.
model = dict(
    backbone=dict(
        _delete_=True,
        type='MobileNetV3',
        arch='large',
        norm_cfg=dict(type='SyncBN', eps=0.001, momentum=0.01)),
    neck=dict(in_channels=960, hid_channels=960))
