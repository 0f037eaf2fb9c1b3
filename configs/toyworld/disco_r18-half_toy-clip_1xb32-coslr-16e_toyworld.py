# DisCo on the offline ToyWorld default, as configs/disco with
# toyworld_recipe.py's sizes; the projector's hidden layer stays widened 4x.
_base_ = [
    '../_base_/models/disco_r18.py',
    '../_base_/datasets/toyworld_disco.py',
    './_base_/toyworld_recipe.py',
]
model = dict(
    backbone={{_base_.student_pretrain_backbone}},
    neck=dict(
        in_channels={{_base_.student_feat_dim}},
        hid_channels=1024,  # 4 x the student width
        out_channels={{_base_.teacher_dim}}),
    teacher={{_base_.toy_teacher}},
    text_bank={{_base_.toy_text_bank}},
    queue_size={{_base_.queue_size}})
