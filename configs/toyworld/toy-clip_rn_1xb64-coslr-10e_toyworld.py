# The toy CLIP teacher of the offline default: open_clip ``lgd-toy-rn``
# trained with open_clip's ClipLoss on ToyWorld captions and prompts, zero-
# shot top-1 on val through the Textual Semantics Bank at the end.
# lgd_mm.benchmark.toy_teacher.get_toy_teacher runs this config and
# exports the open_clip checkpoint the distillation configs load.
_base_ = [
    './_base_/toyworld_captions.py',
    '../_base_/default_runtime.py',
]
epochs = 10
model = dict(
    type='ContrastiveCLIP',
    model_name='lgd-toy-rn',
    # contrast within the sampler's class-disjoint groups
    contrast_group_size={{_base_.num_classes}},
    # unit last-BN gains: this 4-block tower learns shape epochs sooner
    zero_init_residual=False,
    text_bank=dict(type='TextualSemanticsBank', vocab={{_base_.classnames}}))
# open_clip's AdamW; no decay on gains, biases and the temperature
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1),
    paramwise_cfg=dict(
        flat_decay_mult=0., custom_keys=dict(logit_scale=dict(decay_mult=0.))))
# per-iteration linear warm-up over the first epoch from lr / 37 (the 37
# steps of an epoch of the default preset), then per-iteration cosine to 0
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1 / 37,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        by_epoch=True,
        begin=1,
        end=epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=epochs, val_interval=epochs)
val_cfg = dict()
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=epochs, max_keep_ckpts=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
auto_scale_lr = dict(base_batch_size=64)
