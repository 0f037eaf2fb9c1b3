# Random-init reference row of the ToyWorld demo: the demo's half-width
# ResNet-18 with no pre-training (configs/reference/README.md).
_base_ = ['../reference/random_r18.py', './_base_/toyworld_student.py']
reference = dict(student='ResNet-18 (half width)', backbone={{_base_.student}})
