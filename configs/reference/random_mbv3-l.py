# Reference row: MobileNetV3-L with no pre-training (see README.md).
_base_ = './_base_/random_init.py'

reference = dict(
    student='MobileNetV3-L',
    backbone=dict(type='MobileNetV3', arch='large'))
