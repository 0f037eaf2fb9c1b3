"""Timers, peak memory and machine facts for the speed benchmark."""
import os
import platform
import re
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Callable, Dict, List, Optional

import torch

_PROC_STATUS = '/proc/self/status'


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels, so that wall-clock intervals are real."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def summarize(seconds: List[float]) -> Dict[str, float]:
    """Median / min / max of a list of durations, in seconds."""
    if not seconds:
        raise ValueError('no timings to summarize')
    return dict(
        median=statistics.median(seconds),
        min=min(seconds),
        max=max(seconds),
        n=len(seconds))


def time_call(fn: Callable[[], object],
              repeats: int,
              warmup: int = 1,
              device: Optional[torch.device] = None) -> List[float]:
    """Wall-clock seconds of ``repeats`` calls of ``fn`` after ``warmup``."""
    device = device or torch.device('cpu')
    for _ in range(warmup):
        fn()
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return times


class PhaseTimer:
    """Accumulates wall-clock time per named phase of one step.

    Phases may be opened by :meth:`phase` (a context manager), by
    :meth:`wrap` (an instance attribute that times a bound method) or by
    :meth:`hook_modules` (forward pre/post hooks spanning one or more
    modules). The device is synchronised at every phase boundary.

    Args:
        device (torch.device): Device the step runs on.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.totals: Dict[str, float] = defaultdict(float)
        self._starts: Dict[str, float] = {}
        self._handles = []
        self._unwrap = []

    def reset(self) -> None:
        """Forget the totals of the previous step."""
        self.totals = defaultdict(float)
        self._starts = {}

    def start(self, name: str) -> None:
        synchronize(self.device)
        self._starts[name] = time.perf_counter()

    def stop(self, name: str) -> None:
        synchronize(self.device)
        self.totals[name] += time.perf_counter() - self._starts.pop(name)

    @contextmanager
    def phase(self, name: str):
        self.start(name)
        try:
            yield
        finally:
            self.stop(name)

    def wrap(self, owner: object, method: str, name: str) -> None:
        """Time every call of ``owner.<method>`` as phase ``name``."""
        original = getattr(owner, method)

        def timed(*args, **kwargs):
            with self.phase(name):
                return original(*args, **kwargs)

        setattr(owner, method, timed)
        self._unwrap.append((owner, method))

    def hook_modules(self, first: torch.nn.Module, last: torch.nn.Module,
                     name: str) -> None:
        """Time from the forward of ``first`` to the end of ``last``'s."""
        self._handles.append(
            first.register_forward_pre_hook(lambda *_: self.start(name)))
        self._handles.append(
            last.register_forward_hook(lambda *_: self.stop(name)))

    def remove(self) -> None:
        """Undo :meth:`wrap` and :meth:`hook_modules`."""
        for handle in self._handles:
            handle.remove()
        for owner, method in self._unwrap:
            delattr(owner, method)
        self._handles, self._unwrap = [], []


class PeakMemory:
    """Peak memory of a code region: CUDA max allocated, or CPU peak RSS.

    On CPU the kernel's high-water mark of the resident set (``VmHWM``) is
    reset through ``/proc/self/clear_refs`` where Linux allows it; else the
    process-lifetime peak (``ru_maxrss``) is reported and marked as such.

    Args:
        device (torch.device): The device whose memory is tracked.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.kind = ('cuda_max_allocated'
                     if device.type == 'cuda' else 'cpu_peak_rss')
        self.resettable = True
        self.baseline_mb = 0.0

    def reset(self) -> None:
        """Start a region; its baseline is the memory in use now."""
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self.baseline_mb = torch.cuda.memory_allocated(self.device) / 2**20
            return
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')  # resets VmHWM to the current RSS
        except OSError:
            self.resettable = False
        self.baseline_mb = _status_mb('VmRSS') or 0.0

    def peak_mb(self) -> float:
        """Peak since :meth:`reset`, in MiB (whole process on CPU)."""
        if self.device.type == 'cuda':
            return torch.cuda.max_memory_allocated(self.device) / 2**20
        peak = _status_mb('VmHWM') if self.resettable else None
        if peak is None:
            import resource
            self.resettable = False
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak


def _read_kb(path: str, field: str) -> Optional[int]:
    """A ``Field:  N kB`` line of a /proc file, or None."""
    try:
        with open(path) as f:
            match = re.search(rf'^{field}:\s+(\d+) kB', f.read(), re.M)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _status_mb(field: str) -> Optional[float]:
    kb = _read_kb(_PROC_STATUS, field)
    return None if kb is None else kb / 1024


def _cpu_model() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_flags() -> List[str]:
    try:
        with open('/proc/cpuinfo') as f:
            text = f.read()
    except OSError:
        return []
    match = re.search(r'^flags\s*:(.*)$', text, re.M)
    wanted = ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile')
    have = set(match.group(1).split()) if match else set()
    return [f for f in wanted if f in have]


def machine_info(device: torch.device) -> dict:
    """Facts a reader needs to compare figures from another machine."""
    info = dict(
        python=platform.python_version(),
        torch=torch.__version__,
        platform=platform.platform(),
        cpu=_cpu_model(),
        cpu_flags=_cpu_flags(),
        cpu_count=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        device=str(device),
        mem_total_gb=round(
            (_read_kb('/proc/meminfo', 'MemTotal') or 0) / 2**20, 1))
    if hasattr(os, 'getloadavg'):
        info['loadavg_start'] = [round(v, 2) for v in os.getloadavg()]
    if device.type == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(device)
    return info
