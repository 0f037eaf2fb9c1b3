# "RetinaNet 1x" (benchmarks.md §3): stock recipe, SGD lr 0.01; FPN reads
# strides 8-32 (start_level=1) and adds P6/P7 on the input.
_base_ = [
    'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
    '../../_base_/transfer_runtime.py',
]
model = dict(
    data_preprocessor=dict(
        mean={{_base_.clip_mean}}, std={{_base_.clip_std}}, bgr_to_rgb=True))
