# MobileNetV3-Large student: mmpretrain's implementation (mmdet has none and
# mmseg's differs), BN eps/momentum as in pre-training.
student_backbone = dict(
    _delete_=True,
    type='mmpretrain.MobileNetV3',
    arch='large',
    out_indices=(3, 6, 12, 16),
    frozen_stages=-1,
    norm_cfg=dict(type='SyncBN', eps=0.001, momentum=0.01),
    norm_eval=False,
    init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'))
student_channels = [24, 40, 112, 960]
student_aux_channels = 112
student_cls_backbone = dict(
    student_backbone,
    out_indices=(16, ),
    frozen_stages=16,
    norm_cfg=dict(type='BN', eps=0.001, momentum=0.01),
    norm_eval=True)
student_feat_dim = 960
