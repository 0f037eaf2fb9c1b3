# Entry config named in the README: LGD, MobileNetV3-Large student,
# CLIP RN50 teacher, ImageNet-1k, 200 epochs.
_base_ = './lgd_mbv3-l_clip-rn50_8xb256-amp-coslr-200e_in1k.py'
