# Reference row: the stock mmpretrain ResNet-18 (see README.md).
_base_ = ['./_base_/supervised.py', '../_base_/students/r18.py']

reference = dict(
    student={{_base_.student_name}},
    backbone={{_base_.student_pretrain_backbone}},
    source='mmpretrain::resnet/resnet18_8xb32_in1k.py',
    pretrain_epochs=100,
    # set to where you keep the stock checkpoint (nothing is downloaded)
    checkpoint='checkpoints/resnet18_8xb32_in1k_20210831-fbbb1da6.pth')
