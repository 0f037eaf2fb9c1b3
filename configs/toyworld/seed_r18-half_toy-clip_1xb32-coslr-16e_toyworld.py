# SEED on the offline ToyWorld default, as configs/seed with
# toyworld_recipe.py's sizes (the queue holds ~1 epoch of teacher keys).
_base_ = [
    '../_base_/models/seed_r18.py',
    '../_base_/datasets/toyworld_lgd.py',
    './_base_/toyworld_recipe.py',
]
model = dict(
    backbone={{_base_.student_pretrain_backbone}},
    neck={{_base_.student_neck}},
    teacher={{_base_.toy_teacher}},
    text_bank={{_base_.toy_text_bank}},
    queue_size={{_base_.queue_size}})
