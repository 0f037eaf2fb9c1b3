# ResNet-18 student (torchvision layout, 7x7 stem) as in pre-training.
# The transfer configs pull these variables in with {{_base_.xxx}}.
# SSL transfer: SyncBN, BN statistics updated, no frozen stage
# (benchmarks.md §3); checkpoint comes from the user.
student_backbone = dict(
    _delete_=True,
    type='mmpretrain.ResNet',
    depth=18,
    out_indices=(0, 1, 2, 3),
    frozen_stages=-1,
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    norm_eval=False,
    init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'))
student_channels = [64, 128, 256, 512]
student_aux_channels = 256  # stride-16 level, read by UPerNet's aux head
# classification probes: last stage only, everything frozen, BN in eval
student_cls_backbone = dict(
    student_backbone,
    out_indices=(3, ),
    frozen_stages=4,
    norm_cfg=dict(type='BN'),
    norm_eval=True)
student_feat_dim = 512
