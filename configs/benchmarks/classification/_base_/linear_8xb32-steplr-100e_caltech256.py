# Linear probe on Caltech-256 with the ImageNet probe recipe.
_base_ = ['./linear_8xb32-steplr-100e_in1k.py', './caltech256.py']
data_preprocessor = dict(num_classes=256)
model = dict(head=dict(num_classes=256))
_caltech = dict(
    _delete_=True,
    type='CustomDataset',
    data_root={{_base_.caltech_root}},
    data_prefix={{_base_.caltech_prefix}},
    with_label=True)
train_dataloader = dict(
    dataset=dict(
        **_caltech,
        ann_file={{_base_.caltech_train_ann}},
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        **_caltech,
        ann_file={{_base_.caltech_val_ann}},
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
