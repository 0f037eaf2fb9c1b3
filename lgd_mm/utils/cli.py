"""Argument handling shared by ``tools/train.py`` and ``tools/test.py``
(the Runner itself: :func:`lgd_mm.engine.runner.build_runner`)."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from .cfg_options import check_cfg_options
from .config_values import check_config_values
from .protocol import run_protocol


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Arguments every lgd_mm entry point takes (mmpretrain style)."""
    parser.add_argument('--work-dir', help='directory for logs and outputs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. train_dataloader.batch_size=8 '
        'model.backbone.depth=18; lists as key="[a,b]"')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the common arguments to it."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        # a typo must not silently train the unchanged recipe
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)
    check_config_values(cfg, args.config)
    cfg.run_protocol = run_protocol(args.cfg_options,
                                    getattr(args, 'smoke', False))
    cfg.launcher = args.launcher
    # work_dir: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg
