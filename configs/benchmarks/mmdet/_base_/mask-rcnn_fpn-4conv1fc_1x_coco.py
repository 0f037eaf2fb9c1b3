# "Mask R-CNN FPN 1x" with the SSL detection head: SyncBN also in FPN and
# heads and a Shared4Conv1FC box head, single scale 1333x800, the stock 1x
# schedule. Its own protocol id: never mix its columns with the stock head.
_base_ = './mask-rcnn_fpn_1x_coco.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
