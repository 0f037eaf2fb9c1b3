# BINGO on the offline ToyWorld default, as configs/bingo with
# toyworld_recipe.py's sizes.
_base_ = [
    '../_base_/models/bingo_r18.py',
    '../_base_/datasets/toyworld_bingo.py',
    './_base_/toyworld_recipe.py',
]
model = dict(
    backbone={{_base_.student_pretrain_backbone}},
    neck={{_base_.student_neck}},
    teacher={{_base_.toy_teacher}},
    text_bank={{_base_.toy_text_bank}},
    queue_size={{_base_.queue_size}})
# replaces the inherited list; the always-on hooks (exact resume, non-finite
# guard, data checks) are added by the train loop, ReliableEpochBasedTrainLoop
custom_hooks = [
    dict(type='CheckpointMetaHook'),
    dict(type='BagNeighborsHook', pipeline={{_base_.bag_pipeline}}),
    # self-only warm-up: the official 10 of 200 epochs, rounded up to 1
    dict(
        type='LossWeightScheduleHook',
        attr='inter_weight',
        schedule='step',
        value=0.0,
        end_value=0.5,
        end=1),
]
