# Reference row: EfficientNet-B0 with no pre-training (see README.md).
_base_ = ['./_base_/random_init.py', '../_base_/students/effb0.py']

reference = dict(
    student={{_base_.student_name}},
    backbone={{_base_.student_pretrain_backbone}})
