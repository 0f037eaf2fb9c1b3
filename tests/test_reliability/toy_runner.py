"""A seconds-long mmengine Runner (linear model, random tensors) built by
lgd_mm's ``build_runner``, for checkpoint and work-dir tests."""
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, MODELS
from torch import nn
from torch.utils.data import Dataset


@MODELS.register_module(force=True)
class ReliabilityToyModel(BaseModel):
    """y = Wx with an MSE loss."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)

    def forward(self, inputs, targets, mode='loss'):
        out = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(
                loss=((out.squeeze(1) - torch.stack(targets))**2).mean())
        return out


@DATASETS.register_module(force=True)
class ReliabilityToyData(Dataset):
    """Eight random (x, y) pairs."""
    metainfo = dict()

    def __init__(self):
        gen = torch.Generator().manual_seed(0)
        self.x = torch.randn(8, 4, generator=gen)
        self.y = torch.randn(8, generator=gen)

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=self.x[i], targets=self.y[i])


def toy_config(work_dir, epochs=2, max_keep_ckpts=1, **checkpoint) -> Config:
    """Two epochs of 4 iterations, a checkpoint per epoch, keeping one (the
    ToyWorld recipe's ``max_keep_ckpts``)."""
    return Config(
        dict(
            model=dict(type='ReliabilityToyModel'),
            work_dir=str(work_dir),
            train_dataloader=dict(
                dataset=dict(type='ReliabilityToyData'),
                sampler=dict(type='DefaultSampler', shuffle=False),
                collate_fn=dict(type='pseudo_collate'),
                batch_size=2,
                num_workers=0),
            train_cfg=dict(by_epoch=True, max_epochs=epochs),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
            default_hooks=dict(
                logger=dict(type='LoggerHook', interval=1),
                checkpoint=dict(
                    type='CheckpointHook',
                    interval=1,
                    max_keep_ckpts=max_keep_ckpts,
                    **checkpoint)),
            default_scope='mmengine',
            launcher='none',
            env_cfg=dict(dist_cfg=dict(backend='gloo')),
            randomness=dict(seed=0),
            log_level='WARNING'))
