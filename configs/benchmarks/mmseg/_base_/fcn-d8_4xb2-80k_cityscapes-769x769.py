# FCN-D8 on Cityscapes 769x769, 80k iterations (mmseg's recipe); the
# student config sets a dilated (output stride 8) backbone.
_base_ = [
    'mmseg::fcn/fcn_r50-d8_4xb2-80k_cityscapes-769x769.py',
    '../../_base_/transfer_runtime.py',
]
model = dict(
    pretrained=None,
    data_preprocessor=dict(
        mean={{_base_.clip_mean}}, std={{_base_.clip_std}}, bgr_to_rgb=True))
