# UPerNet on Cityscapes 769x769, 80k iterations (mmseg's recipe).
_base_ = [
    'mmseg::upernet/upernet_r50_4xb2-80k_cityscapes-769x769.py',
    '../../_base_/transfer_runtime.py',
]
model = dict(
    pretrained=None,
    data_preprocessor=dict(
        mean={{_base_.clip_mean}}, std={{_base_.clip_std}}, bgr_to_rgb=True))
