# Linear probe on ImageNet-1k (lgd_method.md §3): frozen backbone with BN
# in eval mode, GAP, a new linear classifier; SGD lr 30 x batch/256, wd 0,
# 5-epoch warm-up, x0.1 at epochs 60 and 80, 100 epochs, RandomResizedCrop
# 224 + flip, pre-training (CLIP) normalisation.
_base_ = [
    'mmpretrain::mocov2/benchmarks/resnet50_8xb32-linear-steplr-100e_in1k.py',
    '../../_base_/transfer_runtime.py',
]
data_preprocessor = dict(
    mean={{_base_.clip_mean}}, std={{_base_.clip_std}}, to_rgb=True)
# belt and braces: some students keep a layer outside ``frozen_stages``
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0., decay_mult=0.)}))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[60, 80], gamma=0.1),
]
auto_scale_lr = dict(base_batch_size=256)
