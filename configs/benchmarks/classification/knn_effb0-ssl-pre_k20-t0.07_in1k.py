_base_ = ['./_base_/knn_in1k.py', '../../_base_/students/effb0.py']
model = dict(backbone={{_base_.student_backbone}})
