# MobileNetV3-Large student for the baseline configs (same as
# lgd_mbv3-l.py): its last conv layer (960 ch) feeds the projector.
student_backbone = dict(
    _delete_=True,
    type='MobileNetV3',
    arch='large',
    norm_cfg=dict(type='SyncBN', eps=0.001, momentum=0.01))
student_channels = 960
student_neck = dict(in_channels=960, hid_channels=960)
