"""AnyDeviceAmpOptimWrapper and the --amp config helper on CPU."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from lgd_mm.engine.amp import amp_optim_wrapper_cfg
from lgd_mm.engine.optimizers import AnyDeviceAmpOptimWrapper
from lgd_mm.engine.optimizers.amp_optim_wrapper import resolve_amp_dtype
from lgd_mm.registry import OPTIM_WRAPPERS

pytestmark = pytest.mark.skipif(
    torch.cuda.is_available(), reason='checks the CPU behaviour')


def _wrapper(**kwargs):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.LazyLinear(2))
    model(torch.zeros(1, 3, 8, 8))
    wrapper = OPTIM_WRAPPERS.build(
        dict(
            type='AnyDeviceAmpOptimWrapper',
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            **kwargs))
    return model, wrapper


def test_bf16_on_cpu_autocasts_and_steps_without_scaler():
    model, wrapper = _wrapper(dtype='bfloat16')
    assert isinstance(wrapper, AnyDeviceAmpOptimWrapper)
    assert wrapper.loss_scaler is None and wrapper.cast_dtype == torch.bfloat16
    before = [p.detach().clone() for p in model.parameters()]
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 3, 8, 8))
    assert out.dtype == torch.bfloat16  # autocast was on
    wrapper.update_params(out.float().pow(2).mean())
    assert all(not torch.equal(a, p)
               for a, p in zip(before, model.parameters()))
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())
    state = wrapper.state_dict()
    assert 'loss_scaler' not in state
    # an fp16 run's checkpoint resumes in bf16: the scaler state is dropped
    wrapper.load_state_dict(dict(state, loss_scaler={'scale': 1024.0}))


def test_default_dtype_on_cpu_is_bf16():
    _, wrapper = _wrapper()
    assert wrapper.cast_dtype == torch.bfloat16


@pytest.mark.parametrize('dtype', ['float16', 'fp16', torch.float16])
def test_fp16_on_cpu_is_an_error(dtype):
    with pytest.raises(ValueError, match='fp16 AMP needs CUDA'):
        _wrapper(dtype=dtype)


def test_resolve_amp_dtype():
    assert resolve_amp_dtype(None, 'cuda') == torch.float16
    assert resolve_amp_dtype('bf16', 'cuda') == torch.bfloat16
    with pytest.raises(ValueError, match='must be'):
        resolve_amp_dtype('float32', 'cpu')
    with pytest.raises(ValueError, match='must be'):
        resolve_amp_dtype('int8', 'cpu')


def test_amp_cfg_on_cpu_needs_bf16():
    base = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    with pytest.raises(RuntimeError, match='bfloat16'):
        amp_optim_wrapper_cfg(base)
    with pytest.raises(RuntimeError, match='fp16 AMP needs CUDA'):
        amp_optim_wrapper_cfg(dict(base, dtype='float16'))
    cfg = amp_optim_wrapper_cfg(dict(base, dtype='bfloat16'))
    assert cfg.type == 'AnyDeviceAmpOptimWrapper'
    assert cfg.dtype == 'bfloat16' and cfg.optimizer.lr == 0.1
    assert issubclass(OPTIM_WRAPPERS.get(cfg.type), OptimWrapper)
