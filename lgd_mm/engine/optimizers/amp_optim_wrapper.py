"""Mixed precision optimizer wrapper that also runs on CPU (bf16)."""
from typing import Optional, Union

import torch
from mmengine.device import get_device
from mmengine.optim import AmpOptimWrapper, OptimWrapper

from lgd_mm.registry import OPTIM_WRAPPERS

_DTYPES = dict(
    float16=torch.float16,
    fp16=torch.float16,
    bfloat16=torch.bfloat16,
    bf16=torch.bfloat16)


def resolve_amp_dtype(dtype: Union[str, torch.dtype, None],
                      device_type: str) -> torch.dtype:
    """The autocast dtype of ``dtype`` on ``device_type``.

    None means fp16 on CUDA (mmengine's default) and bf16 elsewhere. fp16
    autocast on CPU is refused: torch's CPU autocast is bf16-only and fp16
    convolutions have no fast CPU kernels.

    Raises:
        ValueError: for an unknown dtype or fp16 on CPU.
    """
    if dtype is None:
        return torch.float16 if device_type == 'cuda' else torch.bfloat16
    if isinstance(dtype, str):
        if dtype not in _DTYPES:
            raise ValueError(f'AMP dtype must be one of {sorted(_DTYPES)}, '
                             f'got {dtype!r}')
        dtype = _DTYPES[dtype]
    if dtype not in (torch.float16, torch.bfloat16):
        raise ValueError(f'AMP dtype must be float16 or bfloat16, got {dtype}')
    if dtype == torch.float16 and device_type == 'cpu':
        raise ValueError(
            'fp16 AMP needs CUDA; on CPU use dtype="bfloat16" (e.g. --amp '
            '--cfg-options optim_wrapper.dtype=bfloat16)')
    return dtype


@OPTIM_WRAPPERS.register_module()
class AnyDeviceAmpOptimWrapper(AmpOptimWrapper):
    """mmengine's ``AmpOptimWrapper`` that also trains on CPU in bf16.

    mmengine 0.10.7's ``AmpOptimWrapper`` asserts an accelerator in its
    constructor. This subclass keeps its behaviour for fp16 (dynamic loss
    scaling with a ``GradScaler``) and adds bf16 on CPU and CUDA: autocast
    to ``torch.bfloat16`` and **no** loss scaler, since bf16 has the
    exponent range of fp32 and its gradients do not underflow the way
    fp16's do. Checkpoints of the bf16 mode hold no ``loss_scaler`` entry.

    Args:
        loss_scale (float | str | dict): ``GradScaler`` set-up for fp16
            (see ``AmpOptimWrapper``); ignored for bf16. Defaults to
            'dynamic'.
        dtype (str | torch.dtype, optional): 'float16'/'fp16' or
            'bfloat16'/'bf16'. None: fp16 on CUDA, bf16 on CPU. fp16 on CPU
            raises. Defaults to None.
        use_fsdp (bool): Use the sharded grad scaler (fp16 only).
            Defaults to False.
        **kwargs: Passed on to ``OptimWrapper`` (``optimizer``,
            ``clip_grad``, ``accumulative_counts``).
    """

    def __init__(self,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Optional[Union[str, torch.dtype]] = None,
                 use_fsdp: bool = False,
                 **kwargs) -> None:
        self.device_type = get_device()
        cast_dtype = resolve_amp_dtype(dtype, self.device_type)
        if cast_dtype == torch.float16:
            super().__init__(
                loss_scale=loss_scale,
                dtype=cast_dtype,
                use_fsdp=use_fsdp,
                **kwargs)
            return
        # bf16: skip AmpOptimWrapper's accelerator assert and GradScaler
        OptimWrapper.__init__(self, **kwargs)
        self._scale_update_param = None
        self.loss_scaler = None
        self.cast_dtype = cast_dtype

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        if self.loss_scaler is not None:
            return super().backward(loss, **kwargs)
        return OptimWrapper.backward(self, loss, **kwargs)

    def step(self, **kwargs) -> None:
        if self.loss_scaler is not None:
            return super().step(**kwargs)
        return OptimWrapper.step(self, **kwargs)

    def state_dict(self) -> dict:
        if self.loss_scaler is not None:
            return super().state_dict()
        return OptimWrapper.state_dict(self)

    def load_state_dict(self, state_dict: dict) -> None:
        if self.loss_scaler is None:
            # a checkpoint written by an fp16 run resumes in bf16 unscaled
            state_dict = dict(state_dict)
            state_dict.pop('loss_scaler', None)
        super().load_state_dict(state_dict)
