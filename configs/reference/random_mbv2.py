# Reference row: MobileNetV2 with no pre-training (see README.md).
_base_ = ['./_base_/random_init.py', '../_base_/students/mbv2.py']

reference = dict(
    student={{_base_.student_name}},
    backbone={{_base_.student_pretrain_backbone}})
