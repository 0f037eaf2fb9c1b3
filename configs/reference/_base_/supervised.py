# A supervised reference row: a stock mmpretrain ImageNet-1k classifier's
# backbone. Leaves set student, backbone, source, checkpoint and epochs.
reference = dict(
    # each row sets its student's backbone (configs/_base_/students); a
    # value here lets the row's _delete_ replace it cleanly
    backbone=None,
    algorithm='Supervised',
    pretrain_data='ImageNet-1k (labels)',
    prefix='backbone.',
    # the normalisation it was trained with, used by every later stage
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375])
