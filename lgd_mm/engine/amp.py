"""Mixed precision through mmengine's optimizer wrappers."""
from mmengine.config import ConfigDict
from mmengine.device import get_device

from .optimizers.amp_optim_wrapper import resolve_amp_dtype


def amp_optim_wrapper_cfg(optim_wrapper: dict) -> ConfigDict:
    """Turn an ``optim_wrapper`` config into a mixed precision one.

    The result is :class:`~lgd_mm.engine.AnyDeviceAmpOptimWrapper`
    (mmengine's ``AmpOptimWrapper`` plus bf16 without loss scaling, which
    also runs on CPU). The precision comes from ``optim_wrapper.dtype``:
    unset means fp16 with dynamic loss scaling on CUDA (mmengine's
    default); on CPU it must be ``'bfloat16'``, e.g.
    ``--amp --cfg-options optim_wrapper.dtype=bfloat16``, so that ``--amp``
    alone never silently changes meaning between machines.

    Raises:
        RuntimeError: on CPU without ``dtype='bfloat16'`` (fp16 autocast
            has no CPU support).
    """
    cfg = ConfigDict(optim_wrapper)
    device = get_device()
    dtype = cfg.get('dtype', None)
    if device == 'cpu' and dtype is None:
        raise RuntimeError(
            '--amp on CPU needs bf16: fp16 AMP runs on CUDA only. Add '
            '--cfg-options optim_wrapper.dtype=bfloat16, or drop --amp.')
    try:
        resolve_amp_dtype(dtype, device)
    except ValueError as err:
        raise RuntimeError(f'--amp: {err}') from err
    cfg.type = 'AnyDeviceAmpOptimWrapper'
    cfg.setdefault('loss_scale', 'dynamic')
    return cfg
