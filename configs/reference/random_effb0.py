# Reference row: EfficientNet-B0 with no pre-training (see README.md).
_base_ = './_base_/random_init.py'

reference = dict(
    student='EfficientNet-B0',
    backbone=dict(type='EfficientNet', arch='b0', out_indices=(6, )))
