# The short (90-epoch) LGD schedule; see lgd_sgd-coslr-200e.py.
_base_ = './lgd_sgd-coslr-200e.py'

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.125,
        end_factor=0.825,
        by_epoch=True,
        begin=0,
        end=5),
    dict(type='EpochCosineLR', total_epochs=90, by_epoch=True, begin=5),
]
train_cfg = dict(max_epochs=90)
