_base_ = [
    './_base_/zero-shot_in1k.py',
    '../../_base_/models/lgd_mbv2.py',
]
