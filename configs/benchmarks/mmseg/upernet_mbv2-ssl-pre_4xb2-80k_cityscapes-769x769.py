_base_ = [
    './_base_/upernet_4xb2-80k_cityscapes-769x769.py',
    '../../_base_/students/mbv2.py',
]
model = dict(
    backbone={{_base_.student_backbone}},
    decode_head=dict(in_channels={{_base_.student_channels}}),
    auxiliary_head=dict(in_channels={{_base_.student_aux_channels}}))
