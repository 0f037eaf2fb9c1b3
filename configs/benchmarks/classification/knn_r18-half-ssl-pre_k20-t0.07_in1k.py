_base_ = ['./_base_/knn_in1k.py', '../../_base_/students/r18-half.py']
model = dict(backbone={{_base_.student_backbone}})
