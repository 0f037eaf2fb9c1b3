# ToyWorld class folders (tools/toyworld.py): imagenet_lgd.py's single view
# per image and evaluation, at the 64 px of the images. The data
# root is $TOYWORLD_ROOT (default data/toyworld), as tools/demo.py sets it.
_base_ = './imagenet_lgd.py'

data_root = '{{$TOYWORLD_ROOT:data/toyworld}}/cls/'
# The toy teacher's own views (configs/toyworld/_base_/toyworld_captions.py)
# for every method: mild crops and flips. The MoCo-v2 view (crops down to
# 20 %, colour jitter, blur) kept every student on the colour-only plateau
# for the whole 10-epoch budget (docs/toyworld.md); hue jitter and
# grayscale would change or erase ToyWorld's colour classes.
view_pipeline = [
    dict(
        type='RandomResizedCrop',
        scale=64,
        crop_ratio_range=(0.7, 1.),
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [dict(type='LoadImageFromFile')] + view_pipeline + [
    dict(type='PackInputs')
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]
# Loaded in the main process: on the 2-core demo machine two loader workers
# compete with the training threads (supervised row: 0.21 s per step with
# 2 workers, 0.185 s with none; docs/toyworld.md). Not persistent either way:
# tools/demo.py runs many Runners in one process.
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root=data_root, pipeline=val_pipeline))
