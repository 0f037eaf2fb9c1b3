"""Options that scale the baseline configs (configs/{seed,bingo,disco,kd},
configs/dwt) down to a CPU test: values only, same code paths."""
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    seed='configs/seed/seed_r18_clip-rn50_8xb256-amp-coslr-200e_in1k.py',
    bingo='configs/bingo/bingo_r18_clip-rn50_8xb256-amp-coslr-200e_in1k.py',
    disco='configs/disco/disco_r18_clip-rn50_8xb256-amp-coslr-200e_in1k.py',
    kd='configs/kd/kd_r18_clip-rn50_8xb256-amp-coslr-200e_in1k.py',
    dwt='configs/dwt/disco-dwt_r34_r18-sup_8xb256-amp-coslr-200e_in1k.py')


def config_path(algo):
    return osp.join(ROOT, CONFIGS[algo])


def tiny_baseline_options(algo,
                          toyworld,
                          work_dir,
                          num_train=12,
                          batch_size=4,
                          epochs=1,
                          queue_size=16):
    """Typed options for ``epochs`` x ``num_train / batch_size`` iterations
    of ``algo`` on ToyWorld with the tiny CLIP teacher, 32 px images."""
    data = 'train_dataloader.dataset'
    if algo == 'bingo':
        data += '.dataset'  # inside InstanceBagDataset
    crop = f'{data}.pipeline.1.scale'
    if algo in ('disco', 'dwt'):
        crop = f'{data}.pipeline.1.transforms.0.0.scale'  # in MultiView
    opts = {
        'model.neck.hid_channels': 64,
        'model.backbone.norm_cfg.type': 'BN',
        'optim_wrapper.type': 'OptimWrapper',
        f'{data}.data_root': f'{toyworld}/cls',
        f'{data}.indices': num_train,
        crop: 32,
        'train_dataloader.batch_size': batch_size,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_dataloader.pin_memory': False,
        'train_cfg.max_epochs': epochs,
        'train_cfg.val_interval': epochs,
        'param_scheduler.0.end': 1,
        'param_scheduler.1.begin': 1,
        'param_scheduler.1.total_epochs': epochs,
        'param_scheduler.1.end': epochs + 1,  # explicit: begin < end
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.logger.interval': 1,
        'env_cfg.dist_cfg.backend': 'gloo',
        'randomness.seed': 0,
    }
    if algo != 'kd':
        opts['model.queue_size'] = queue_size
    if algo == 'dwt':
        return opts  # generic teacher, no zero-shot evaluation
    opts.update({
        'model.teacher.model_name': 'lgd-tiny-rn',
        'model.teacher.pretrained': None,
        'model.neck.out_channels': 32,
        'model.text_bank.vocab': f'{toyworld}/classnames.txt',
        'model.text_bank.templates': 'simple',
        'model.text_bank.cache_dir': f'{work_dir}/text_banks',
        'val_dataloader.dataset.data_root': f'{toyworld}/cls',
        'val_dataloader.dataset.indices': 8,
        'val_dataloader.dataset.pipeline.1.scale': 32,
        'val_dataloader.dataset.pipeline.2.crop_size': 32,
        'val_dataloader.batch_size': 8,
        'val_dataloader.num_workers': 0,
        'val_dataloader.persistent_workers': False,
        'val_dataloader.pin_memory': False,
    })
    if algo == 'bingo':
        opts.update({
            'custom_hooks.1.pipeline.1.scale': 32,
            'custom_hooks.1.pipeline.2.crop_size': 32,
            'custom_hooks.1.batch_size': 8,
            'custom_hooks.1.num_workers': 0,
        })
    return opts


def as_cli(opts):
    """The same options as ``--cfg-options`` arguments of tools/*.py."""
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]
