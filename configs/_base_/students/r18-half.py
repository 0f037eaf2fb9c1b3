# ResNet-18 at half width (stem and base 32 channels, 2.8 M parameters): the
# student of the offline ToyWorld default (tools/demo.py), the ImageNet
# student's architecture and code path at ~1/3 of its CPU time. The one
# description of this student, read like the others (see r18.py).
student_id = 'r18-half'
student_name = 'ResNet-18 (half width)'
student_rank = 4  # position in leaderboards
# no torchvision counterpart: not a row of tools/benchmark_speed.py
student_torchvision = None

# Pre-training: the last stage (256 ch) feeds the projector.
student_pretrain_backbone = dict(
    _delete_=True,
    type='ResNet',
    depth=18,
    stem_channels=32,
    base_channels=32,
    # unit last-BN gains: with mmpretrain's zero-init residuals this
    # student, trained from scratch on ToyWorld, fits shapes epochs later
    # (docs/toyworld.md)
    zero_init_residual=False,
    norm_cfg=dict(type='BN'))
student_feat_dim = 256

# Transfer: as r18.py, at half width.
student_backbone = dict(
    _delete_=True,
    type='mmpretrain.ResNet',
    depth=18,
    stem_channels=32,
    base_channels=32,
    out_indices=(0, 1, 2, 3),
    frozen_stages=-1,
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    norm_eval=False,
    init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.'))
student_channels = [32, 64, 128, 256]
student_aux_channels = 128
student_cls_backbone = dict(
    student_backbone,
    out_indices=(3, ),
    frozen_stages=4,
    norm_cfg=dict(type='BN'),
    norm_eval=True)
