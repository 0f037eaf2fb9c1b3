# Weighted kNN on frozen features (InstDisc/DINO protocol): L2-normalised
# GAP features of the training set are the memory; each val image votes
# with its k=20 nearest (cosine) memories weighted by exp(sim / 0.07).
# Resize 256 / CenterCrop 224 for both sets, CLIP normalisation.
# The student configs use the transfer backbone (not the frozen probe one):
# the loop only runs it in eval mode and feeds its last output to the
# pooling neck, and DDP (dist_test.sh) refuses a model without a trainable
# parameter.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/transfer_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(),  # the student config replaces it
    neck=dict(type='GlobalAveragePooling'),
    head=None)
data_preprocessor = dict(
    mean={{_base_.clip_mean}}, std={{_base_.clip_std}}, to_rgb=True)
train_dataloader = None
val_dataloader = None
val_evaluator = None
test_dataloader = dict(batch_size=128)
test_evaluator = dict(
    type='KNNAccuracy', _scope_='lgd_mm', k=20, temperature=0.07,
    topk=(1, 5))
test_cfg = dict(
    type='KNNTestLoop',
    _scope_='lgd_mm',
    memory_dataloader=dict(
        batch_size=128,
        num_workers=5,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root='data/imagenet',
            split='train',
            pipeline={{_base_.test_pipeline}})))
