_base_ = [
    '../_base_/models/bingo_r18.py',
    '../_base_/datasets/imagenet_bingo.py',
    '../_base_/schedules/lgd_sgd-coslr-200e.py',
    '../_base_/default_runtime.py',
]

# replaces the inherited list; the always-on hooks (exact resume, non-finite
# guard, data checks) are added by the train loop, ReliableEpochBasedTrainLoop
custom_hooks = [
    dict(type='CheckpointMetaHook'),
    # kNN pre-pass (5-NN bags), cached next to the work dir
    dict(type='BagNeighborsHook', pipeline={{_base_.bag_pipeline}}),
    # the neighbour term starts at epoch 10 (self-only warm-up, official)
    dict(
        type='LossWeightScheduleHook',
        attr='inter_weight',
        schedule='step',
        value=0.0,
        end_value=0.5,
        end=10),
]
