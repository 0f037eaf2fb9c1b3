# Official LGD recipe (§2): SGD 0.9, wd 1e-4, peak lr 0.03 x batch/256 for the
# reference batch 2048, 5 warm-up epochs from 0.03, then half-cosine over all
# E epochs evaluated per epoch, no eta_min.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(type='SGD', lr=0.24, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.125,
        by_epoch=True,
        begin=0,
        end=5,
        end_factor=0.825),  # 0.125 + 0.175 e for e < 5, as the official code
    dict(type='EpochCosineLR', total_epochs=200, by_epoch=True, begin=5),
]
# mmengine's epoch loop plus the always-on reliability hooks (whatever
# custom_hooks lists) and exact mid-epoch resume (docs/reliability.md)
train_cfg = dict(
    type='ReliableEpochBasedTrainLoop', max_epochs=200, val_interval=10)
val_cfg = dict()
auto_scale_lr = dict(base_batch_size=2048)
