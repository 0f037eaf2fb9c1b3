# EfficientNet-B0 student for the baseline configs (same as lgd_effb0.py):
# the final 1x1 conv (1280 ch) feeds the projector.
student_backbone = dict(
    _delete_=True,
    type='EfficientNet',
    arch='b0',
    out_indices=(6, ),
    norm_cfg=dict(type='SyncBN', eps=1e-3, momentum=0.01))
student_channels = 1280
student_neck = dict(in_channels=1280, hid_channels=1280)
