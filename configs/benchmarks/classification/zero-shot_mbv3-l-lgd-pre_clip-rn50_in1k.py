_base_ = [
    './_base_/zero-shot_in1k.py',
    '../../_base_/models/lgd_mbv3-l.py',
]
