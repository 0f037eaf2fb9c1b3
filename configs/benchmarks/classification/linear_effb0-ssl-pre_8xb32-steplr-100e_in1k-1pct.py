_base_ = [
    './_base_/linear_8xb32-steplr-100e_in1k-1pct.py',
    '../../_base_/students/effb0.py',
]
model = dict(
    backbone={{_base_.student_cls_backbone}},
    head=dict(in_channels={{_base_.student_feat_dim}}))
