# ToyWorld class folders (tools/toyworld.py): imagenet_lgd.py's single
# MoCo-v2 view and evaluation, sizes scaled to the 64 px images. The data
# root is $TOYWORLD_ROOT (default data/toyworld), as tools/demo.py sets it.
_base_ = './imagenet_lgd.py'

data_root = '{{$TOYWORLD_ROOT:data/toyworld}}/cls/'
view_pipeline = [
    dict(
        type='RandomResizedCrop',
        scale=64,
        crop_ratio_range=(0.2, 1.),
        backend='pillow'),
    dict(
        type='RandomApply',
        transforms=[
            dict(
                type='ColorJitter',
                brightness=0.4,
                contrast=0.4,
                saturation=0.4,
                # ToyWorld classes are colour x shape: hue jitter and
                # grayscale would change or erase the class (the toy
                # teacher scores 78 % on such views, 95 % on clean ones)
                hue=0.)
        ],
        prob=0.8),
    dict(
        type='GaussianBlur',
        magnitude_range=(0.1, 2.0),
        magnitude_std='inf',
        prob=0.5),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [dict(type='LoadImageFromFile')] + view_pipeline + [
    dict(type='PackInputs')
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]
# not persistent: tools/demo.py runs many Runners in one process; the small
# val split loads in the main process
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root=data_root, pipeline=val_pipeline))
