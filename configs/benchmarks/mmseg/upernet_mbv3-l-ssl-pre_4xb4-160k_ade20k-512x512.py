_base_ = [
    './_base_/upernet_4xb4-160k_ade20k-512x512.py',
    '../../_base_/students/mbv3-l.py',
]
model = dict(
    backbone={{_base_.student_backbone}},
    decode_head=dict(in_channels={{_base_.student_channels}}),
    auxiliary_head=dict(in_channels={{_base_.student_aux_channels}}))
