_base_ = [
    './_base_/mask-rcnn_fpn_1x_coco.py',
    '../../_base_/students/r18.py',
]
model = dict(
    backbone={{_base_.student_backbone}},
    neck=dict(in_channels={{_base_.student_channels}}))
