# DisCo on ToyWorld: two toyworld_lgd.py views per image (MultiView).
_base_ = './toyworld_lgd.py'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[{{_base_.view_pipeline}}]),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
