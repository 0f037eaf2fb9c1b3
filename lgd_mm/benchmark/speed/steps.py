"""Whole train steps: lgd_mm variants against the plain-PyTorch row."""
import gc
import statistics
from typing import Dict, List, Optional, Sequence

import torch

from ..students import load_student, student_ids
from .plain import PlainLGDStep
from .timing import PeakMemory
from .train_step import PHASES, VARIANTS, LGDStep, synthetic_batch




def speed_students() -> List[str]:
    """The students of the speed tables: those with a torchvision twin for
    the plain-PyTorch comparison row."""
    return [s for s in student_ids() if load_student(s)['torchvision']]

def _summary(student: str, name: str, batch: int, samples: List[dict],
             memory: dict) -> dict:
    med = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    total = med['total']
    return dict(
        student=student,
        variant=name,
        batch=batch,
        iters=len(samples),
        phases_ms={k: 1e3 * med[k]
                   for k in PHASES},
        total_ms=1e3 * total,
        total_ms_min=1e3 * min(s['total'] for s in samples),
        images_per_s=batch / total,
        lgd_share=statistics.median(s['lgd'] / s['total'] for s in samples),
        compiled='compile' in name,
        lgka_update_ms=1e3 * med['lgka_update'],
        gather_ms=1e3 * med['gather'],
        **memory)


def bench_steps(
    students: Optional[Sequence[str]] = None,
    variants: Sequence[str] = tuple(VARIANTS),
    batch: int = 64,
    image_size: int = 224,
    iters: int = 3,
    warmup: int = 1,
    teacher: str = 'RN50-quickgelu',
    num_classes: int = 1000,
    plain: bool = True,
    device: torch.device = torch.device('cpu')) -> dict:
    """Train-step breakdown of every (student, variant).

    The rows of one student run interleaved, one step each in turn, so
    that load from other processes spreads over all of them; medians over
    ``iters`` steps after ``warmup`` rounds. Peak memory is taken in the
    last round (CUDA max allocated, or the process peak RSS on CPU, with
    every model of the student resident; ``step_mem_mb`` is the increase
    over the memory in use before the step).

    Returns:
        dict: ``rows``; ``speedup_vs_plain`` is the plain row's median step
        time over the row's.
    """
    images = synthetic_batch(batch, image_size)
    memory = PeakMemory(device)
    rows = []
    for student in students or speed_students():
        runners = [PlainLGDStep(student, teacher, num_classes, device)
                   ] if plain else []
        runners += [
            LGDStep(student, v, teacher, num_classes, device) for v in variants
        ]
        samples = {r.name: [] for r in runners}
        first: Dict[str, float] = {}  # includes compilation, if any
        mems: Dict[str, dict] = {}
        rounds = warmup + iters
        for it in range(rounds):
            for runner in runners:
                if it == rounds - 1:
                    memory.reset()
                phases = runner(images)
                first.setdefault(runner.name, phases['total'])
                if it == rounds - 1:
                    peak = memory.peak_mb()
                    mems[runner.name] = dict(
                        peak_mem_mb=peak,
                        step_mem_mb=max(peak - memory.baseline_mb, 0.0),
                        mem_kind=memory.kind)
                if it >= warmup:
                    samples[runner.name].append(phases)
        student_rows = [
            _summary(student, r.name, batch, samples[r.name],
                     dict(mems[r.name], first_step_s=first[r.name]))
            for r in runners
        ]
        base = student_rows[0]['total_ms'] if plain else None
        for row in student_rows:
            row['speedup_vs_plain'] = (
                base / row['total_ms'] if base else None)
        rows += student_rows
        del runners
        gc.collect()
    return dict(
        rows=rows,
        batch=batch,
        image_size=image_size,
        teacher=teacher,
        num_classes=num_classes,
        iters=iters,
        warmup=warmup)
