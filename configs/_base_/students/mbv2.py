# MobileNetV2 1.0 (ReLU6): the one description of this student. Pre-training
# (configs/{lgd,seed,bingo,disco,kd}/), the transfer benchmarks
# (configs/benchmarks/) and tools/benchmark_speed.py all read it; library code
# loads it with lgd_mm.benchmark.students.load_student('mbv2').
student_id = 'mbv2'
student_name = 'MobileNetV2'  # as papers and leaderboards write it
student_rank = 1  # position in the papers' tables and in leaderboards
# torchvision model of the plain-PyTorch row of tools/benchmark_speed.py
student_torchvision = 'mobilenet_v2'

# Pre-training: the final 1x1 conv (1280 ch) feeds the projector
# (lgd_method.md §1.5).
student_pretrain_backbone = dict(
    _delete_=True,
    type='MobileNetV2',
    widen_factor=1.0,
    out_indices=(7, ),
    norm_cfg=dict(type='SyncBN'))
student_feat_dim = 1280

# Transfer (benchmarks.md §2-§3): SSL protocol, SyncBN with statistics
# updated, no frozen stage; the checkpoint comes from the user.
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
