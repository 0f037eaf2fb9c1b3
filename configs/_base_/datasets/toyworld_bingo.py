# BINGO on ToyWorld: imagenet_bingo.py's anchor + bag-neighbour items over
# toyworld_lgd.py's class folders and 64 px view.
_base_ = './toyworld_lgd.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='InstanceBagDataset',
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root={{_base_.data_root}},
            split='train',
            pipeline={{_base_.train_pipeline}})))
# teacher embeddings of the kNN pre-pass: the evaluation transforms
bag_pipeline = {{_base_.val_pipeline}}
