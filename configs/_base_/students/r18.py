# ResNet-18 (torchvision layout, 7x7 stem): the one description of this student. Pre-training
# (configs/{lgd,seed,bingo,disco,kd}/), the transfer benchmarks
# (configs/benchmarks/) and tools/benchmark_speed.py all read it; library code
# loads it with lgd_mm.benchmark.students.load_student('r18').
student_id = 'r18'
student_name = 'ResNet-18'  # as papers and leaderboards write it
student_rank = 0  # position in the papers' tables and in leaderboards
# torchvision model of the plain-PyTorch row of tools/benchmark_speed.py
student_torchvision = 'resnet18'

# Pre-training: the last stage (512 ch) feeds the projector
# (lgd_method.md §1.5).
student_pretrain_backbone = dict(_delete_=True, type='ResNet', depth=18, norm_cfg=dict(type='SyncBN'))
student_feat_dim = 512

# Transfer (benchmarks.md §2-§3): SSL protocol, SyncBN with statistics
# updated, no frozen stage; the checkpoint comes from the user.
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
