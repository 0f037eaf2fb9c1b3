# DisCo: two MoCo-v2 views per image (MultiView), each with exactly the
# transforms of imagenet_lgd.py's one view.
_base_ = './imagenet_lgd.py'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[{{_base_.view_pipeline}}]),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
