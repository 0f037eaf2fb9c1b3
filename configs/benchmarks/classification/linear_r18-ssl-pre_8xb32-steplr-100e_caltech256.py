_base_ = [
    './_base_/linear_8xb32-steplr-100e_caltech256.py',
    '../../_base_/students/r18.py',
]
model = dict(
    backbone={{_base_.student_cls_backbone}},
    head=dict(in_channels={{_base_.student_feat_dim}}))
