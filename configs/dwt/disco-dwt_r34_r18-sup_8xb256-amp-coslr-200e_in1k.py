# Distillation from a weak teacher (DWT, lgd_method.md §7): a supervised
# ResNet-18 teaches a larger ResNet-34 beside the student's own MoCo v2
# loss (DisCo's objective), the student starts from the teacher's weights
# (ParamRemap: function-preserving, identity blocks appended) and the
# teacher's weight decays linearly to 0 over training.
_base_ = [
    '../_base_/models/disco_r18.py',
    '../_base_/datasets/imagenet_disco.py',
    '../_base_/schedules/lgd_sgd-coslr-200e.py',
    '../_base_/default_runtime.py',
]

# the weak teacher: stock mmpretrain weights (set your path)
teacher_checkpoint = 'checkpoints/resnet18_8xb32_in1k_20210831-fbbb1da6.pth'
model = dict(
    backbone=dict(
        depth=34,
        init_cfg=dict(type='ParamRemap', checkpoint=teacher_checkpoint)),
    neck=dict(out_channels=512),  # the teacher's GAP feature
    teacher=dict(
        _delete_=True,
        type='MMPretrainTeacher',
        backbone=dict(type='ResNet', depth=18),
        checkpoint=teacher_checkpoint),
    text_bank=None)  # no text tower: no zero-shot evaluation
# the teacher's (and the remapped init's) normalisation, recorded for
# every later stage
data_preprocessor = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
# replaces the inherited list; the always-on hooks (exact resume, non-finite
# guard, data checks) are added by the train loop, ReliableEpochBasedTrainLoop
custom_hooks = [
    dict(type='CheckpointMetaHook'),
    # alternatives: schedule='constant', or 'step' with end=N (off at N)
    dict(
        type='LossWeightScheduleHook',
        attr='teacher_loss_weight',
        schedule='linear',
        value=1.0,
        end_value=0.0),
]
val_dataloader = None
val_evaluator = None
val_cfg = None
