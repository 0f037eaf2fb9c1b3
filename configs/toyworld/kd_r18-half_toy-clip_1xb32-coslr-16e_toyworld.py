# Feature KD on the offline ToyWorld default, as configs/kd with
# toyworld_recipe.py's sizes.
_base_ = [
    '../_base_/models/kd_r18.py',
    '../_base_/datasets/toyworld_lgd.py',
    './_base_/toyworld_recipe.py',
]
model = dict(
    backbone={{_base_.student_pretrain_backbone}},
    neck={{_base_.student_neck}},
    teacher={{_base_.toy_teacher}},
    text_bank={{_base_.toy_text_bank}})
