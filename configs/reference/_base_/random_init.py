# A random-init reference row (the floor): no weights on purpose; the
# benchmark keeps the backbone's own initialisation. Leaves set student
# and backbone.
reference = dict(
    # each row sets its student's backbone (configs/_base_/students); a
    # value here lets the row's _delete_ replace it cleanly
    backbone=None,
    algorithm='Random init',
    pretrain_data=None,
    pretrain_epochs=0,
    source=None,
    checkpoint=None,
    prefix='backbone.',
    # the distilled rows' normalisation, so only the weights differ
    mean=[122.771, 116.746, 104.094],
    std=[68.501, 66.632, 70.323])
