# The ResNet-18 recipe with the mbv2 student (configs/_base_/students).
_base_ = ['./bingo_r18_clip-rn50_8xb256-amp-coslr-200e_in1k.py',
          '../_base_/students/mbv2.py']
model = dict(
    backbone={{_base_.student_pretrain_backbone}},
    neck=dict(
        in_channels={{_base_.student_feat_dim}},
        hid_channels={{_base_.student_feat_dim}}))
