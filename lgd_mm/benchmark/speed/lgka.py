"""LGKA update: vectorised bank against the per-class loop (§1.3, §5.4)."""
import math
from typing import Dict, List, Sequence

import torch
import torch.nn.functional as F

from lgd_mm.models.banks.lgka_reference import lgka_update_loop
from lgd_mm.models.banks.visual_bank import VisualSemanticsBank
from .timing import summarize, time_call

#: Vocabulary sizes of the benchmark: Cityscapes, ADE20K, ImageNet-1k,
#: LVIS v1, ImageNet-21k.
LGKA_CLASSES = (19, 150, 1000, 1203, 21843)
LGKA_BATCHES = (256, 512, 1024, 2048, 4096)


def _case(num_classes: int, batch: int, dim: int, momentum: float,
          device: torch.device, seed: int):
    gen = torch.Generator().manual_seed(seed)
    keys = F.normalize(torch.randn(batch, dim, generator=gen), dim=1)
    # uniform pseudo-labels: the most classes present for a given N, i.e.
    # the most work for both implementations
    labels = torch.randint(0, num_classes, (batch, ), generator=gen)
    bank = VisualSemanticsBank(num_classes, dim, momentum).to(device)
    # half of the classes already filled, so both branches of the update run
    bank.initialized[::2] = True
    return bank, keys.to(device), labels.to(device)


def bench_lgka_case(num_classes: int,
                    batch: int,
                    dim: int = 1024,
                    momentum: float = 0.999,
                    repeats: int = 5,
                    loop_repeats: int = 3,
                    device: torch.device = torch.device('cpu'),
                    seed: int = 0) -> Dict[str, float]:
    """Time one (C, N) case and check both give the same bank.

    Timings are the fastest of interleaved rounds (after one warm-up).
    ``loop_ms`` includes the copy of the bank that the functional reference
    makes of its inputs; ``loop_copy_ms`` is that copy alone and
    ``speedup`` is ``(loop_ms - loop_copy_ms) / vectorised_ms``, so the
    copy (which dominates the loop at C = 21843) does not flatter the
    vectorised update. ``read_keys_ms`` is one pass that only reads the
    keys (``keys.sum(0)``): no update that reads every key can be faster,
    so ``max_speedup`` bounds what any implementation could reach here.

    Returns:
        dict: timings in milliseconds and the agreement check.
    """
    bank, keys, labels = _case(num_classes, batch, dim, momentum, device, seed)
    protos, flags = bank.prototypes.clone(), bank.initialized.clone()
    ref_protos, ref_flags = lgka_update_loop(protos, flags, keys, labels,
                                             momentum)
    bank.update(keys, labels)
    max_abs_diff = (bank.prototypes - ref_protos).abs().max().item()
    same_flags = bool(torch.equal(bank.initialized, ref_flags))
    present = int(torch.unique(labels).numel())

    calls = dict(
        vec=lambda: bank.update(keys, labels),
        loop=lambda: lgka_update_loop(bank.prototypes, bank.initialized, keys,
                                      labels, momentum),
        copy=lambda: (bank.prototypes.clone(), bank.initialized.clone()),
        read=lambda: keys.sum(0))
    # interleaved rounds, so that load from other processes hits all four
    # alike; the fastest of the rounds counts (noise only adds time)
    times = {k: [] for k in calls}
    for fn in calls.values():  # warm-up
        fn()
    for i in range(max(repeats, loop_repeats)):
        for key, fn in calls.items():
            if key != 'loop' or i < loop_repeats:
                times[key] += time_call(fn, 1, 0, device)
    ms = {k: summarize(v)['min'] * 1e3 for k, v in times.items()}
    loop_net = max(ms['loop'] - ms['copy'], 0.0)
    return dict(
        num_classes=num_classes,
        batch=batch,
        dim=dim,
        classes_present=present,
        vectorised_ms=ms['vec'],
        loop_ms=ms['loop'],
        loop_copy_ms=ms['copy'],
        speedup=loop_net / ms['vec'],
        read_keys_ms=ms['read'],
        max_speedup=loop_net / ms['read'],
        loop_us_per_class=1e3 * loop_net / present,
        max_abs_diff=max_abs_diff,
        same_flags=same_flags)


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log(y) against log(x): 1 means linear."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    var = sum((x - mx)**2 for x in lx)
    if var == 0:
        return float('nan')
    return sum((x - mx) * (y - my) for x, y in zip(lx, ly)) / var


def bench_lgka(
    classes: Sequence[int] = LGKA_CLASSES,
    batches: Sequence[int] = LGKA_BATCHES,
    dim: int = 1024,
    repeats: int = 5,
    loop_repeats: int = 3,
    threads: int = 1,
    device: torch.device = torch.device('cpu')) -> dict:
    """The LGKA table: every (C, N) case plus the cost scaling.

    Args:
        classes (Sequence[int]): Vocabulary sizes C.
        batches (Sequence[int]): Global batch sizes N.
        dim (int): Embedding size D (1024 for CLIP RN50).
        repeats (int): Timed calls of the vectorised update per case.
        loop_repeats (int): Timed calls of the loop per case.
        threads (int): ``torch.set_num_threads`` for this section (CPU);
            restored afterwards. 1 isolates the algorithms from the number
            of cores.
        device (torch.device): Device.

    Returns:
        dict: ``rows`` (one per case), ``threads`` and ``scaling``:
        log-log slopes of the vectorised time against N (per C) and
        against C (per N); 1.0 is linear.
    """
    old_threads = torch.get_num_threads()
    if device.type == 'cpu':
        torch.set_num_threads(threads)
    try:
        rows: List[dict] = [
            bench_lgka_case(
                c,
                n,
                dim,
                repeats=repeats,
                loop_repeats=loop_repeats,
                device=device) for c in classes for n in batches
        ]
    finally:
        torch.set_num_threads(old_threads)
    scaling = dict(vs_batch={}, vs_classes={})
    if len(batches) > 1:
        for c in classes:
            sel = [r for r in rows if r['num_classes'] == c]
            scaling['vs_batch'][str(c)] = loglog_slope(
                [r['batch'] for r in sel], [r['vectorised_ms'] for r in sel])
    if len(classes) > 1:
        for n in batches:
            sel = [r for r in rows if r['batch'] == n]
            scaling['vs_classes'][str(n)] = loglog_slope(
                [r['num_classes'] for r in sel],
                [r['vectorised_ms'] for r in sel])
    return dict(
        rows=rows,
        threads=threads if device.type == 'cpu' else None,
        scaling=scaling)
