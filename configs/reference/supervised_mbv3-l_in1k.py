# Reference row: the stock mmpretrain MobileNetV3-L (see README.md).
_base_ = ['./_base_/supervised.py', '../_base_/students/mbv3-l.py']

reference = dict(
    student={{_base_.student_name}},
    backbone={{_base_.student_pretrain_backbone}},
    source='mmpretrain::mobilenet_v3/mobilenet-v3-large_8xb128_in1k.py',
    pretrain_epochs=600,
    # set to where you keep the stock checkpoint (nothing is downloaded)
    checkpoint=('checkpoints/'
                'mobilenet-v3-large_8xb128_in1k_20221114-0ed9ed9a.pth'))
