# MobileNetV2 1.0 student (ReLU6, as in pre-training). Index 7 is the final
# 1x1 conv (1280 ch) the distillation head saw (benchmarks.md §2).
student_backbone = dict(
    _delete_=True,
    type='mmpretrain.MobileNetV2',
    widen_factor=1.0,
    out_indices=(1, 2, 4, 7),
    frozen_stages=-1,
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    norm_eval=False,
    init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'))
student_channels = [24, 32, 96, 1280]
student_aux_channels = 96
# frozen_stages=7 leaves the final conv trainable; classification configs
# therefore also give the backbone lr_mult=0.
student_cls_backbone = dict(
    student_backbone,
    out_indices=(7, ),
    frozen_stages=7,
    norm_cfg=dict(type='BN'),
    norm_eval=True)
student_feat_dim = 1280
