# EfficientNet-B0 (mmpretrain's adaptive-padding convs, Swish): the one description of this student. Pre-training
# (configs/{lgd,seed,bingo,disco,kd}/), the transfer benchmarks
# (configs/benchmarks/) and tools/benchmark_speed.py all read it; library code
# loads it with lgd_mm.benchmark.students.load_student('effb0').
student_id = 'effb0'
student_name = 'EfficientNet-B0'  # as papers and leaderboards write it
student_rank = 3  # position in the papers' tables and in leaderboards
# torchvision model of the plain-PyTorch row of tools/benchmark_speed.py
student_torchvision = 'efficientnet_b0'

# Pre-training: the final 1x1 conv (1280 ch) feeds the projector
# (lgd_method.md §1.5).
student_pretrain_backbone = dict(
    _delete_=True,
    type='EfficientNet',
    arch='b0',
    out_indices=(6, ),
    norm_cfg=dict(type='SyncBN', eps=1e-3, momentum=0.01))
student_feat_dim = 1280

# Transfer (benchmarks.md §2-§3): SSL protocol, SyncBN with statistics
# updated, no frozen stage; the checkpoint comes from the user.
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
