_base_ = [
    './_base_/zero-shot_caltech256.py',
    '../../_base_/models/lgd_mbv3-l.py',
]
model = dict(text_bank=dict(vocab='caltech256'))
