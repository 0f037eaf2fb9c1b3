# The official LGD COCO setting (benchmarks.md §4) as its own protocol:
# Mask R-CNN FPN 1x with AdamW (lr 2e-4, wd 1e-4), backbone lr x0.1 and
# gradient clipping (max_norm 0.1). lgd_mm fixes the original's defects:
# CLIP normalisation (from the base) and the pre-training activation.
_base_ = './mask-rcnn_fpn_1x_coco.py'
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}),
    clip_grad=dict(max_norm=0.1, norm_type=2))
