# The ResNet-18 recipe with the effb0 student.
_base_ = ['./seed_r18_clip-rn50_8xb256-amp-coslr-200e_in1k.py',
          '../_base_/models/students/effb0.py']
model = dict(
    backbone={{_base_.student_backbone}}, neck={{_base_.student_neck}})
