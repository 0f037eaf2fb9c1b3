_base_ = [
    '../_base_/models/kd_r18.py',
    '../_base_/datasets/imagenet_lgd.py',
    '../_base_/schedules/lgd_sgd-coslr-200e.py',
    '../_base_/default_runtime.py',
]
