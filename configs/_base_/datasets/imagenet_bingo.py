# BINGO: every item is an image (anchor) and a neighbour sampled from its
# teacher-space bag, each through imagenet_lgd.py's one-view pipeline. The
# bags come from BagNeighborsHook (configs/bingo) before training.
_base_ = './imagenet_lgd.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='InstanceBagDataset',
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root={{_base_.data_root}},
            split='train',
            pipeline={{_base_.train_pipeline}})))
# Teacher embeddings of the kNN pre-pass: Resize 256 / CenterCrop 224
# (lgd_method.md §6), the zero-shot evaluation transforms.
bag_pipeline = {{_base_.val_pipeline}}
