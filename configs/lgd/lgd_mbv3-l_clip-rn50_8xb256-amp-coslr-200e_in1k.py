# The ResNet-18 recipe with the mbv3-l student (configs/_base_/students).
_base_ = [
    '../_base_/models/lgd_r18.py',
    '../_base_/students/mbv3-l.py',
    '../_base_/datasets/imagenet_lgd.py',
    '../_base_/schedules/lgd_sgd-coslr-200e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone={{_base_.student_pretrain_backbone}},
    neck=dict(
        in_channels={{_base_.student_feat_dim}},
        hid_channels={{_base_.student_feat_dim}}))
