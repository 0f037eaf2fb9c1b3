default_scope = 'lgd_mm'
custom_imports = dict(imports=['lgd_mm'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keep the last 3 only; "best" is never overwritten per epoch (§5.10)
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)
# The reliability hooks below are always on in training:
# ReliableEpochBasedTrainLoop (train_cfg.type) adds any of them that a
# config's own custom_hooks list leaves out, matched by type; listing one
# here or there sets its arguments (e.g. NonFiniteGuardHook(action='skip')).
custom_hooks = [
    # Records algorithm/teacher/student/normalisation/vocabulary in
    # checkpoints (and refuses to resume under another one).
    dict(type='CheckpointMetaHook'),
    # RNG states + data position in checkpoints: --resume continues a killed
    # run exactly (mid-epoch with default_hooks.checkpoint.by_epoch=False).
    dict(type='ExactResumeHook'),
    # A NaN/Inf loss or bank stops the run after saving the state before the
    # bad step (action='skip' skips such steps instead).
    dict(type='NonFiniteGuardHook'),
    # Empty splits, class counts vs vocabulary/head, queue vs global batch.
    dict(type='DataCheckHook'),
]

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
# Banks are updated identically on every rank from gathered keys, so there
# is nothing to broadcast.
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', broadcast_buffers=False)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_processor = dict(window_size=10)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
