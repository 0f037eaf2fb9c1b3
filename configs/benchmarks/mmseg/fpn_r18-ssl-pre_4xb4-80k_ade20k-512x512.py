_base_ = [
    './_base_/fpn_4xb4-80k_ade20k-512x512.py',
    '../../_base_/students/r18.py',
]
model = dict(
    backbone={{_base_.student_backbone}},
    neck=dict(in_channels={{_base_.student_channels}}))
