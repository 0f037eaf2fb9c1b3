# Shared by every transfer config: lgd_mm's hook, kNN loop and metric (the
# import also installs the safe checkpoint loader), its datasets (ToyWorld)
# and mmpretrain's backbones inside mmdet/mmseg.
custom_imports = dict(
    imports=[
        'lgd_mm.engine', 'lgd_mm.evaluation', 'lgd_mm.datasets',
        'mmpretrain.models'
    ],
    allow_failed_imports=False)
# Fails the run unless >= 99% of the backbone tensors really load and the
# data_preprocessor normalises like pre-training (benchmarks.md §1).
# `_scope_` (not a 'lgd_mm.' prefix): mmengine resolves type prefixes only
# among the root registry's children, and lgd_mm's registries hang below
# mmpretrain's; `_scope_` searches the whole tree.
custom_hooks = [dict(type='BackboneLoadCheckHook', _scope_='lgd_mm')]
# CLIP normalisation (RGB, 0-255) of lgd_mm pre-training: every downstream
# data_preprocessor must use it, not the ImageNet statistics.
clip_mean = [122.771, 116.746, 104.094]
clip_std = [68.501, 66.632, 70.323]
