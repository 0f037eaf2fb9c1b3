# MobileNetV2 1.0 student for the baseline configs (same as lgd_mbv2.py):
# the final 1x1 conv (1280 ch) feeds the projector (lgd_method.md §1.5).
student_backbone = dict(
    _delete_=True,
    type='MobileNetV2',
    widen_factor=1.0,
    out_indices=(7, ),
    norm_cfg=dict(type='SyncBN'))
student_channels = 1280
student_neck = dict(in_channels=1280, hid_channels=1280)
