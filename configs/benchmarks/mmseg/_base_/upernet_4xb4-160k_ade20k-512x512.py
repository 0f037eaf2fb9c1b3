# "UPerNet 160k" on ADE20K 512x512 (benchmarks.md §3): the stock recipe;
# no model-level ImageNet weights (the student config replaces ResNetV1c,
# whose deep stem would not match the 7x7 stem of our students).
_base_ = [
    'mmseg::upernet/upernet_r50_4xb4-160k_ade20k-512x512.py',
    '../../_base_/transfer_runtime.py',
]
model = dict(
    pretrained=None,
    data_preprocessor=dict(
        mean={{_base_.clip_mean}}, std={{_base_.clip_std}}, bgr_to_rgb=True))
