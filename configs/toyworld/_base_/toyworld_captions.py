# ToyWorld image-caption pairs (cls/captions_{split}.tsv) for contrastive
# CLIP training: a light random resized crop (70-100 % of the area) and a
# flip; the text is the generator caption or, with p=0.5, one of the 80
# OpenAI templates filled with the class name (the prompts the Textual
# Semantics Bank encodes). The data root is $TOYWORLD_ROOT.
toyworld_root = '{{$TOYWORLD_ROOT:data/toyworld}}/'
data_root = toyworld_root + 'cls/'
classnames = toyworld_root + 'classnames.txt'
num_classes = 16

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=64, crop_ratio_range=(0.7, 1.)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomClassPrompt', prob=0.5, templates='openai_imagenet'),
    dict(type='PackInputs', meta_keys=('img_path', 'text')),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]
# Groups of one image per class (no false negatives in the CLIP loss);
# images are 64 px, so the main process loads them.
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='ClassDisjointSampler'),
    drop_last=True,
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ToyWorldCaptionDataset',
        data_root=data_root,
        ann_file='captions_train.tsv',
        classes=classnames,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ToyWorldCaptionDataset',
        data_root=data_root,
        ann_file='captions_val.tsv',
        classes=classnames,
        pipeline=val_pipeline))
val_evaluator = dict(type='ZeroShotAccuracy')
