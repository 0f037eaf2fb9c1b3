_base_ = [
    '../_base_/models/lgd_mbv3-l.py',
    '../_base_/datasets/imagenet_lgd.py',
    '../_base_/schedules/lgd_sgd-coslr-90e.py',
    '../_base_/default_runtime.py',
]
