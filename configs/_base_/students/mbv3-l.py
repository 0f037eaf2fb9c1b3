# MobileNetV3-Large (mmpretrain's; mmdet has none and mmseg's differs): the one description of this student. Pre-training
# (configs/{lgd,seed,bingo,disco,kd}/), the transfer benchmarks
# (configs/benchmarks/) and tools/benchmark_speed.py all read it; library code
# loads it with lgd_mm.benchmark.students.load_student('mbv3-l').
student_id = 'mbv3-l'
student_name = 'MobileNetV3-L'  # as papers and leaderboards write it
student_rank = 2  # position in the papers' tables and in leaderboards
# torchvision model of the plain-PyTorch row of tools/benchmark_speed.py
student_torchvision = 'mobilenet_v3_large'

# Pre-training: its last conv layer (960 ch) feeds the projector
# (lgd_method.md §1.5).
student_pretrain_backbone = dict(
    _delete_=True,
    type='MobileNetV3',
    arch='large',
    norm_cfg=dict(type='SyncBN', eps=0.001, momentum=0.01))
student_feat_dim = 960

# Transfer (benchmarks.md §2-§3): SSL protocol, SyncBN with statistics
# updated, no frozen stage; the checkpoint comes from the user.
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
