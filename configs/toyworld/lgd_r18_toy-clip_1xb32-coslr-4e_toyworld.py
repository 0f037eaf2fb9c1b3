# LGD on the offline ToyWorld default: the ImageNet recipe of configs/lgd
# with values scaled for a CPU (same code path).
_base_ = [
    '../_base_/models/lgd_r18.py',
    '../_base_/datasets/toyworld_lgd.py',
    '../_base_/schedules/lgd_sgd-coslr-200e.py',
    '../_base_/default_runtime.py',
]

data_root = 'data/toyworld/'
model = dict(
    backbone=dict(norm_cfg=dict(type='BN')),
    # toy CLIP (ModifiedResNet like RN50) trained on ToyWorld by
    # tools/train_toy_teacher.py; tools/demo.py points at its cached copy
    teacher=dict(
        model_name='lgd-toy-rn',
        pretrained=data_root + 'teachers/lgd-toy-rn.pt'),
    neck=dict(hid_channels=256, out_channels=128),
    text_bank=dict(
        vocab=data_root + 'classnames.txt',
        cache_dir=data_root + 'text_banks'))
# fp32 on CPU (mmengine's AmpOptimWrapper needs an accelerator)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.03 * 32 / 256, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.125,
        end_factor=0.825,
        by_epoch=True,
        begin=0,
        end=1),
    dict(type='EpochCosineLR', total_epochs=4, by_epoch=True, begin=1),
]
train_cfg = dict(max_epochs=4, val_interval=2)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
auto_scale_lr = dict(base_batch_size=32)
