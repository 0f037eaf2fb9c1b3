# One MoCo-v2 view per image, shared by teacher and student (LGD §2).
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'
# CLIP normalisation (RGB, 0-255), reused by every later stage (§5.3).
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[122.771, 116.746, 104.094],
    std=[68.501, 66.632, 70.323],
    to_rgb=True)

# The MoCo-v2 view (other methods, e.g. DisCo, reuse it per view).
view_pipeline = [
    dict(
        type='RandomResizedCrop',
        scale=224,
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
                hue=0.1)
        ],
        prob=0.8),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
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
# Zero-shot evaluation: Resize 256 / CenterCrop 224 (§3).
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

# Loader settings for 200 epochs of one MoCo-v2 view per image: the pipeline
# is CPU-bound (one worker ~100-250 img/s, docs/performance.md), so raise
# num_workers up to the cores per GPU minus one. Persistent workers are not
# re-forked at each epoch; pinned memory lets the copy to the GPU overlap.
# torch's default prefetch_factor (2 batches in flight per worker, ~600 MiB
# of uint8 batches per process) smooths the jitter; deeper queues add no
# throughput to a CPU-bound loader. (It is not set here: num_workers=0
# overrides would then fail.)
train_dataloader = dict(
    batch_size=256,
    num_workers=8,
    drop_last=True,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
# Zero-shot validation runs every 10 epochs: its workers are started then,
# instead of 8 idle processes per GPU kept alive for the whole run.
val_dataloader = dict(
    batch_size=256,
    num_workers=8,
    persistent_workers=False,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=val_pipeline))
val_evaluator = dict(type='ZeroShotAccuracy')
