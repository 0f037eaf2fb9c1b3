# Supervised reference row of the ToyWorld demo: the same student, views,
# normalisation and schedule as the distilled rows, trained with ToyWorld's
# class labels (cross-entropy) instead of a teacher.
_base_ = [
    'mmpretrain::_base_/models/resnet18.py',
    '../_base_/datasets/toyworld_lgd.py',
    './_base_/toyworld_recipe.py',
]
num_classes = 16
# mmpretrain's ResNet-18 classifier with the demo's student swapped in.
# The head keeps PyTorch's default init, like the distillers' projectors:
# mmpretrain's N(0, 0.01) head delayed the escape from the colour-only
# plateau (docs/toyworld.md).
model = dict(
    backbone={{_base_.student_pretrain_backbone}},
    head=dict(
        num_classes=num_classes,
        in_channels={{_base_.student_feat_dim}},
        init_cfg=None))
# the distilled rows' CLIP normalisation, so only the training signal differs
data_preprocessor = dict(
    _delete_=True,
    type='ClsDataPreprocessor',
    num_classes=num_classes,
    mean={{_base_.data_preprocessor.mean}},
    std={{_base_.data_preprocessor.std}},
    to_rgb=True)
# class folders -> labels (ImageNet's 1000 names do not apply)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root={{_base_.data_root}},
        data_prefix='train',
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root={{_base_.data_root}},
        data_prefix='val',
        pipeline={{_base_.val_pipeline}}))
val_evaluator = dict(_delete_=True, type='Accuracy', topk=(1, 5))
