# ToyWorld scenes (COCO json, 128 px) for mmdet/mask-rcnn_*_fpn_1x_coco.py:
# the stock model and pipeline at ToyWorld's size, 3 epochs; used by the
# toyworld_mask-rcnn_fpn task of tools/benchmark.py.
_base_ = ['./_base_/toyworld_det.py']
# Heads at half the stock width (FPN/RPN/RoI 128 channels, not 256) and
# proposals / RoIs scaled with the image area (128^2 px and 1-4 objects vs
# ~1333x800 and ~7): at stock sizes the mask head's four 3x3 convs on every
# positive RoI would take most of a CPU step.
width = 128
model = dict(
    neck=dict(out_channels=width),
    rpn_head=dict(
        in_channels=width,
        feat_channels=width,
        # objects are 7-90 px: anchors from 16 px (stock scale 8 -> 32 px)
        anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=width),
        bbox_head=dict(
            in_channels=width,
            num_classes={{_base_.toyworld_num_classes}}),
        mask_roi_extractor=dict(out_channels=width),
        mask_head=dict(
            in_channels=width,
            conv_out_channels=width,
            num_classes={{_base_.toyworld_num_classes}})),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(sampler=dict(num=32))),
    # at most 4 objects per image: 20 detections (stock 100) keep the
    # mask head and mask pasting of evaluation cheap
    test_cfg=dict(
        rpn=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(max_per_img=20)))
