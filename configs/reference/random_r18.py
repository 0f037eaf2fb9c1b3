# Reference row: ResNet-18 with no pre-training (see README.md).
_base_ = './_base_/random_init.py'

reference = dict(
    student='ResNet-18',
    backbone=dict(type='ResNet', depth=18))
