_base_ = [
    './_base_/mask-rcnn_fpn-4conv1fc_ms-1x_coco.py',
    '../../_base_/students/effb0.py',
]
model = dict(
    backbone={{_base_.student_backbone}},
    neck=dict(in_channels={{_base_.student_channels}}))
