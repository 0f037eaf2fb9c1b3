# "Mask R-CNN FPN 1x" (benchmarks.md §3): the stock recipe (SGD 0.02,
# 12 epochs, steps at 8/11, 1333x800, 8x2 images); the student config swaps
# in the SSL backbone (SyncBN, no frozen stage) and the FPN input widths.
_base_ = [
    'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py',
    '../../_base_/transfer_runtime.py',
]
model = dict(
    data_preprocessor=dict(
        mean={{_base_.clip_mean}}, std={{_base_.clip_std}}, bgr_to_rgb=True))
