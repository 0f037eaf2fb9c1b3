# Zero-shot top-1 (lgd_method.md §3): argmax of z_S . L over the Textual
# Semantics Bank L of the evaluation vocabulary, built by the teacher's text
# tower (cached); the teacher's own zero-shot top-1 is reported beside it.
# The student (backbone + projector) comes from load_from, i.e. a file from
# tools/extract_backbone.py --keep-head or a pre-training checkpoint.
_base_ = [
    '../../../_base_/datasets/imagenet_lgd.py',
    '../../../_base_/default_runtime.py',
]
custom_hooks = [
    dict(type='BackboneLoadCheckHook', modules=['backbone', 'neck'])
]
test_dataloader = {{_base_.val_dataloader}}
test_evaluator = dict(type='ZeroShotAccuracy')
test_cfg = dict()
train_dataloader = None
val_dataloader = None
val_evaluator = None
