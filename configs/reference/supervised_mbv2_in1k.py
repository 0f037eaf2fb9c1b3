# Reference row: the stock mmpretrain MobileNetV2 (see README.md).
_base_ = ['./_base_/supervised.py', '../_base_/students/mbv2.py']

reference = dict(
    student={{_base_.student_name}},
    backbone={{_base_.student_pretrain_backbone}},
    source='mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
    pretrain_epochs=300,
    # set to where you keep the stock checkpoint (nothing is downloaded)
    checkpoint=('checkpoints/'
                'mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth'))
