# Data and schedule shared by the ToyWorld segmentation tasks: ToyWorld's
# ADE20K-layout split (label 0 = background, ignored as in ADE20K), the
# stock transforms scaled from 512 to 128 px, batch 4, 300 iterations (3
# epochs of the 400 scenes) with the stock poly schedule: Semantic FPN on
# the 16-epoch supervised backbone reached 39.5 mIoU in 200 iterations and
# 41.9 in 300 (docs/toyworld.md).
_base_ = ['./toyworld.py']
crop_size = (128, 128)
data_root = '{{$TOYWORLD_ROOT:data/toyworld}}/ade'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(
        type='RandomResize',
        scale=(512, 128),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(512, 128), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs'),
]
# ADE20KDataset with ToyWorld's class names (transfer_runtime.py imports
# lgd_mm.datasets, which registers it in mmseg's DATASETS)
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        type='ToyWorldSegDataset',
        data_root=data_root,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='ToyWorldSegDataset',
        data_root=data_root,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
model = dict(data_preprocessor=dict(size=crop_size))
iters = 300
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=iters, val_interval=iters)
default_hooks = {{_base_.toyworld_hooks}}
