# The mmselfsup-style variant: the 4conv1fc 1x model with multi-scale
# training (short side 640-800). A different protocol from the single-scale
# ones: never mix their columns.
_base_ = './mask-rcnn_fpn-4conv1fc_1x_coco.py'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='RandomChoiceResize',
        scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736),
                (1333, 768), (1333, 800)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
