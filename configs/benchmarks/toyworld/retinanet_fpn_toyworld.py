# ToyWorld scenes (COCO json, 128 px) for mmdet/retinanet_*_fpn_1x_coco.py,
# 3 epochs; used by the toyworld_retinanet_fpn task.
_base_ = ['./_base_/toyworld_det.py']
model = dict(
    # objects are 7-90 px: anchors from 16 px (stock octave base 4 -> 32)
    bbox_head=dict(
        num_classes={{_base_.toyworld_num_classes}},
        anchor_generator=dict(octave_base_scale=2)))
