_base_ = [
    '../_base_/models/disco_r18.py',
    '../_base_/datasets/imagenet_disco.py',
    '../_base_/schedules/lgd_sgd-coslr-200e.py',
    '../_base_/default_runtime.py',
]
