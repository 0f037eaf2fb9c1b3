# Reference row: the stock mmpretrain EfficientNet-B0 (see README.md).
_base_ = ['./_base_/supervised.py', '../_base_/students/effb0.py']

reference = dict(
    student={{_base_.student_name}},
    backbone={{_base_.student_pretrain_backbone}},
    source='mmpretrain::efficientnet/efficientnet-b0_8xb32_in1k.py',
    pretrain_epochs=None,  # converted from the TF release
    # set to where you keep the stock checkpoint (nothing is downloaded)
    checkpoint=('checkpoints/'
                'efficientnet-b0_3rdparty_8xb32_in1k_20220119-a7e2a0b1.pth'))
