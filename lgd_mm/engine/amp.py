"""Mixed precision through mmengine's optimizer wrappers."""
import torch
from mmengine.config import ConfigDict


def amp_optim_wrapper_cfg(optim_wrapper: dict) -> ConfigDict:
    """Turn an ``optim_wrapper`` config into mmengine's ``AmpOptimWrapper``.

    fp16 with dynamic loss scaling on CUDA (mmengine's default). mmengine
    0.10.7's ``AmpOptimWrapper`` refuses to run without an accelerator, so on
    a CPU-only machine this raises instead of silently training in fp32.
    """
    if not torch.cuda.is_available():
        raise RuntimeError(
            '--amp needs a CUDA device: mmengine.AmpOptimWrapper does not '
            'run on CPU. Drop --amp for CPU runs.')
    cfg = ConfigDict(optim_wrapper)
    cfg.type = 'AmpOptimWrapper'
    cfg.setdefault('loss_scale', 'dynamic')
    return cfg
