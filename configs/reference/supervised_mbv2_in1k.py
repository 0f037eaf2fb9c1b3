# Reference row: the stock mmpretrain MobileNetV2 (see README.md).
_base_ = './_base_/supervised.py'

reference = dict(
    student='MobileNetV2',
    backbone=dict(type='MobileNetV2', widen_factor=1.0, out_indices=(7, )),
    source='mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
    pretrain_epochs=300,
    # set to where you keep the stock checkpoint (nothing is downloaded)
    checkpoint=('checkpoints/'
                'mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth'))
