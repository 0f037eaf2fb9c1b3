# ToyWorld class folders for classification/linear_*_in1k.py: the stock
# probe (frozen backbone, GAP, linear head, RandomResizedCrop + flip, SGD,
# warm-up then x0.1 steps) over 5 epochs at 64 px, with crops no smaller
# than pre-training's, and MAE's BatchNorm (no affine) on the pooled
# features with SGD lr 0.3 x batch/256: with lr 30 x batch/256 on raw
# features the 5-epoch probe diverged (final loss 77, top-5 71 % where kNN
# has ~100 %); standardised features make one lr fit every row whatever
# its feature scale (docs/toyworld.md);
# used by the toyworld_linear task of tools/benchmark.py.
_base_ = ['./_base_/toyworld_cls.py']
batch_size = 32
epochs = 5
data_preprocessor = dict(num_classes={{_base_.toyworld_num_classes}})
model = dict(
    head=dict(
        type='lgd_mm.BatchNormLinearClsHead',
        num_classes={{_base_.toyworld_num_classes}}))
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        data_root={{_base_.data_root}},
        metainfo={{_base_.metainfo}},
        pipeline=[
            dict(type='LoadImageFromFile'),
            # crops of 70-100 % as in pre-training: the stock 8 % crops
            # often miss the object, i.e. the class
            dict(
                type='RandomResizedCrop',
                scale=64,
                crop_ratio_range=(0.7, 1.),
                backend='pillow'),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs'),
        ]))
val_dataloader = {{_base_.toyworld_val}}
test_dataloader = {{_base_.toyworld_val}}
optim_wrapper = dict(optimizer=dict(lr=0.3 * batch_size / 256))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[3, 4], gamma=0.1),
]
train_cfg = dict(max_epochs=epochs, val_interval=epochs)
default_hooks = {{_base_.toyworld_hooks}}
