# Data and schedule shared by the ToyWorld detection tasks: stock mmdet
# transforms at 128 px, batch 4, 3 epochs (300 iterations), lr 0.02 x 4/16
# after a 10-iter warm-up (too short for the 1x schedule's steps). With
# 1 epoch the heads did not train: Mask R-CNN on the 16-epoch supervised
# backbone gave 12.9 box AP (50-iter warm-up) or 6.7 (10-iter), 3 epochs
# 21.2, random init 12.8 (docs/toyworld.md).
_base_ = ['./toyworld.py']
data_root = '{{$TOYWORLD_ROOT:data/toyworld}}/coco/'
metainfo = dict(classes={{_base_.toyworld_classes}})
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=0.02 * 4 / 16))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=10)
]
train_cfg = dict(max_epochs=3, val_interval=3)
default_hooks = {{_base_.toyworld_hooks}}
