# EfficientNet-B0 student: mmpretrain's, with its adaptive-padding convs,
# Swish and BN eps/momentum as in pre-training.
student_backbone = dict(
    _delete_=True,
    type='mmpretrain.EfficientNet',
    arch='b0',
    out_indices=(2, 3, 4, 6),
    frozen_stages=0,
    norm_cfg=dict(type='SyncBN', eps=1e-3, momentum=0.01),
    norm_eval=False,
    init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'))
student_channels = [24, 40, 112, 1280]
student_aux_channels = 112
student_cls_backbone = dict(
    student_backbone,
    out_indices=(6, ),
    frozen_stages=7,
    norm_cfg=dict(type='BN', eps=1e-3, momentum=0.01),
    norm_eval=True)
student_feat_dim = 1280
