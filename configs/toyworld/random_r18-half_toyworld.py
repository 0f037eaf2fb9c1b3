# Random-init reference row of the ToyWorld demo: the demo's half-width
# ResNet-18 with no pre-training (configs/reference/README.md).
_base_ = ['../reference/_base_/random_init.py', '../_base_/students/r18-half.py']
reference = dict(
    student={{_base_.student_name}},
    backbone={{_base_.student_pretrain_backbone}})
