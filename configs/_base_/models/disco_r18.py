# DisCo (ECCV 2022) in LGD's fair setting (lgd_method.md §6): the student's
# MoCo v2 (two views, momentum 0.999, queue 65,536, tau 0.2) plus the MSE
# of its embedding to the CLIP RN50 one on both views; projector hidden
# layer widened to 2048 against the distilling bottleneck.
_base_ = './lgd_r18.py'

model = dict(
    _delete_=True,
    type='DisCo',
    backbone={{_base_.model.backbone}},
    neck=dict(
        type='MoCoV2Neck',
        in_channels=512,
        hid_channels=2048,
        out_channels=1024,
        with_avg_pool=True),
    teacher={{_base_.model.teacher}},
    # evaluation only: zero-shot over ImageNet, as for LGD (§3)
    text_bank={{_base_.model.text_bank}},
    head=dict(
        type='ContrastiveHead',
        loss=dict(type='CrossEntropyLoss'),
        temperature=0.2),
    distill_head=dict(
        type='KDHead', distance='mse', normalize=True, loss_weight=1.0),
    queue_size=65536,
    momentum=0.001)  # mmengine EMA: 1 - 0.999
