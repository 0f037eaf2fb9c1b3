# Reference row: MobileNetV2 with no pre-training (see README.md).
_base_ = './_base_/random_init.py'

reference = dict(
    student='MobileNetV2',
    backbone=dict(type='MobileNetV2', widen_factor=1.0, out_indices=(7, )))
