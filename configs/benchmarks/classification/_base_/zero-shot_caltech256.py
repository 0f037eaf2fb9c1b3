# Zero-shot on the Caltech-256 validation split; the student config sets
# the caltech256 vocabulary for the text bank.
_base_ = ['./zero-shot_in1k.py', './caltech256.py']
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root={{_base_.caltech_root}},
        data_prefix={{_base_.caltech_prefix}},
        ann_file={{_base_.caltech_val_ann}},
        with_label=True,
        pipeline={{_base_.val_pipeline}}))
