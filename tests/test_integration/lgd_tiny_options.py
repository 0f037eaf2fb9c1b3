"""Options that scale configs/lgd/lgd_mbv3_in1k.py down to a CPU test.

Values only: the model, data pipeline, schedule and hooks are the
configs/lgd recipe's own code paths.
"""


def tiny_lgd_options(toyworld, work_dir, num_train=6, batch_size=2,
                     epochs=2):
    """Typed options for a few iterations on ToyWorld, tiny CLIP teacher.

    The recipe's warm-up and cosine keep their types, shortened to one
    epoch of warm-up and ``epochs - 1`` of cosine.
    """
    return {
        'model.teacher.model_name': 'lgd-tiny-rn',
        'model.teacher.pretrained': None,
        'model.neck.out_channels': 32,
        'model.neck.hid_channels': 64,
        'model.text_bank.vocab': f'{toyworld}/classnames.txt',
        'model.text_bank.templates': 'simple',
        'model.text_bank.cache_dir': f'{work_dir}/text_banks',
        'optim_wrapper.type': 'OptimWrapper',
        'train_dataloader.dataset.data_root': f'{toyworld}/cls',
        'train_dataloader.dataset.indices': num_train,
        'train_dataloader.batch_size': batch_size,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_dataloader.pin_memory': False,
        'train_dataloader.dataset.pipeline.1.scale': 32,
        'val_dataloader.dataset.data_root': f'{toyworld}/cls',
        'val_dataloader.dataset.indices': 16,
        'val_dataloader.batch_size': 8,
        'val_dataloader.num_workers': 0,
        'val_dataloader.persistent_workers': False,
        'val_dataloader.pin_memory': False,
        'val_dataloader.dataset.pipeline.1.scale': 32,
        'val_dataloader.dataset.pipeline.2.crop_size': 32,
        'train_cfg.max_epochs': epochs,
        'param_scheduler.0.end': 1,
        'param_scheduler.1.begin': 1,
        'param_scheduler.1.total_epochs': epochs,
        'train_cfg.val_interval': 1,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.logger.interval': 1,
        'env_cfg.dist_cfg.backend': 'gloo',
        'randomness.seed': 0,
    }


def as_cli(opts):
    """The same options as ``--cfg-options`` arguments of tools/*.py."""
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]
