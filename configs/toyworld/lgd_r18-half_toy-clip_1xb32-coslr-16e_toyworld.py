# LGD on the offline ToyWorld default (tools/demo.py): configs/lgd's recipe
# scaled for a CPU by toyworld_recipe.py (same code path).
_base_ = [
    '../_base_/models/lgd_r18.py',
    '../_base_/datasets/toyworld_lgd.py',
    './_base_/toyworld_recipe.py',
]
model = dict(
    backbone={{_base_.student_pretrain_backbone}},
    neck={{_base_.student_neck}},
    teacher={{_base_.toy_teacher}},
    text_bank={{_base_.toy_text_bank}})
