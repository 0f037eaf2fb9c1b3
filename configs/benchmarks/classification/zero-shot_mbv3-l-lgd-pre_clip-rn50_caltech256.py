_base_ = [
    './_base_/zero-shot_caltech256.py',
    '../../_base_/models/lgd_r18.py',
    '../../_base_/students/mbv3-l.py',
]
model = dict(
    backbone={{_base_.student_pretrain_backbone}},
    neck=dict(
        in_channels={{_base_.student_feat_dim}},
        hid_channels={{_base_.student_feat_dim}}),
    text_bank=dict(vocab='caltech256'))
