"""Shared by the teacher-store tests: a tiny LGD config on ToyWorld whose
teacher weights live in a file (a store is keyed by the weights)."""
import os.path as osp
import sys

import torch
from mmengine.config import Config

sys.path.insert(0, osp.dirname(__file__))
from lgd_tiny_options import tiny_lgd_options  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LGD_CONFIG = osp.join(ROOT, 'configs/lgd/lgd_mbv3_in1k.py')


def save_random_clip(model_name: str, path: str, seed: int = 0) -> str:
    """Random-init open_clip weights of ``model_name`` written to ``path``."""
    from lgd_mm.models.teachers.factory import create_clip_model
    torch.manual_seed(seed)
    model, _ = create_clip_model(model_name)
    torch.save(model.state_dict(), path)
    return path


def tiny_store_config(toyworld,
                      work,
                      weights,
                      model_name='lgd-tiny-rn',
                      embed_dim=32,
                      num_train=6,
                      epochs=2):
    """configs/lgd/lgd_mbv3_in1k.py at test size, teacher from ``weights``."""
    cfg = Config.fromfile(LGD_CONFIG)
    opts = tiny_lgd_options(toyworld, work, num_train=num_train, epochs=epochs)
    opts.update({
        'model.teacher.model_name': model_name,
        'model.teacher.pretrained': str(weights),
        'model.neck.out_channels': embed_dim,
        'default_hooks.checkpoint.interval': epochs,
        'train_cfg.val_interval': epochs,
    })
    cfg.merge_from_dict(opts)
    cfg.work_dir = str(work)
    return cfg
