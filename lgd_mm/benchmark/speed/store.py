"""Online vs stored teacher (docs/teacher_store.md): train steps of every
student with the teacher running or read from a store, the one-off
teacher pass, the store's size, and the loader that replays views."""
import gc
import os
import os.path as osp
import tempfile
import time
from typing import List, Optional, Sequence

import cv2
import torch
from mmengine.registry import DefaultScope

from lgd_mm.datasets.teacher_store import (ReplayViewDataset, store_key,
                                           write_teacher_store)
from .data import make_jpegs, train_pipeline
from .steps import _summary, speed_students
from .train_step import LGDStep, synthetic_batch

#: ImageNet-1k training images, for the store-size projection.
IN1K_IMAGES = 1281167


def replay_dataset(root: str,
                   image_size: int,
                   num_views: int,
                   store: Optional[str] = None) -> ReplayViewDataset:
    """The LGD train pipeline (crop to ``image_size``) over the JPEGs in
    ``root``, replaying ``num_views`` views (and a store's embeddings)."""
    pipeline = train_pipeline('pillow')
    for step in pipeline:
        if step['type'] == 'RandomResizedCrop':
            step['scale'] = image_size
    dataset = dict(
        type='CustomDataset',
        data_root=root,
        with_label=False,
        pipeline=pipeline)
    if store is not None:
        return ReplayViewDataset(dataset, store=store)
    return ReplayViewDataset(dataset, num_views=num_views, seed=0)


def write_store(step: LGDStep, replay: ReplayViewDataset, out: str, batch: int,
                num_workers: int) -> dict:
    """The teacher pass of ``step``'s model over ``replay``: store at
    ``out``; returns views/s and sizes."""
    model = step.model
    key = store_key(model.teacher, model.data_preprocessor, replay)
    result = write_teacher_store(
        out,
        embed=model.teacher,
        preprocess=model.data_preprocessor,
        replay=replay,
        key=key,
        batch_size=batch,
        num_workers=num_workers)
    size = sum(
        osp.getsize(osp.join(out, f)) for f in os.listdir(out)
        if f.endswith('.npy'))
    views = len(replay) * replay.num_views
    return dict(
        views_per_s=result['views'] / result['seconds'],
        loader_workers=num_workers,
        bytes_per_view=size / views,
        embed_dim=key['teacher']['embed_dim'])


def bench_replay_loader(replay: ReplayViewDataset,
                        workers: Sequence[int],
                        batch: int,
                        epochs: int = 2) -> List[dict]:
    """Images/s of a train dataloader over ``replay`` (decode, replayed
    view, store read), and of the same images without replay, per
    ``num_workers``; the last of ``epochs`` epochs counts."""
    from mmengine.runner import Runner
    rows = []
    for num_workers in workers:
        for kind in ('plain', 'replay+store'):
            loader = Runner.build_dataloader(
                dict(
                    batch_size=batch,
                    num_workers=num_workers,
                    persistent_workers=num_workers > 0,
                    sampler=dict(
                        type='DefaultSampler'
                        if kind == 'plain' else 'lgd_mm.ReplayViewSampler',
                        shuffle=True),
                    collate_fn=dict(type='default_collate'),
                    dataset=replay.dataset if kind == 'plain' else replay),
                seed=0)
            for epoch in range(epochs):
                start, images = time.perf_counter(), 0
                for data in loader:
                    images += len(data['inputs'])
            seconds = time.perf_counter() - start
            rows.append(
                dict(
                    kind=kind,
                    workers=num_workers,
                    images_per_s=images / seconds,
                    per_worker=images / seconds / max(num_workers, 1)))
            del loader
    return rows


def bench_store(
    students: Optional[Sequence[str]] = None,
    variant: str = 'fp32',
    batch: int = 32,
    image_size: int = 224,
    iters: int = 3,
    warmup: int = 1,
    teacher: str = 'RN50-quickgelu',
    num_classes: int = 1000,
    num_images: int = 32,
    num_views: int = 2,
    loader_workers: Sequence[int] = (1, 2),
    store_workers: int = 1,
    device: torch.device = torch.device('cpu')) -> dict:
    """Train steps online vs from a store, per student, in one run.

    For each student the LGD model of ``variant`` writes a store of
    ``num_views`` views of ``num_images`` synthetic JPEGs with its own
    teacher (the teacher pass), then the online and the stored step run
    interleaved, one step each in turn, medians over ``iters`` steps.

    Returns:
        dict: ``rows`` (``stored_speedup``: stored img/s over online),
        ``teacher_pass`` (views/s, bytes per view on disk), the fp16
        ImageNet-1k store size at 10 views (``in1k_k10_gb``) and
        ``loader`` rows.
    """
    old_threads = cv2.getNumThreads()
    cv2.setNumThreads(0)
    tmp = tempfile.TemporaryDirectory()
    images = synthetic_batch(batch, image_size)
    rows, passes = [], []
    try:
        root = osp.join(tmp.name, 'images')
        os.makedirs(root)
        make_jpegs(root, num_images)
        with DefaultScope.overwrite_default_scope('lgd_mm'):
            replay = replay_dataset(root, image_size, num_views)
            for student in students or speed_students():
                online = LGDStep(student, variant, teacher, num_classes,
                                 device)
                out = osp.join(tmp.name, f'store-{student}')
                passes.append(
                    dict(
                        student=student,
                        **write_store(online, replay, out, batch,
                                      store_workers)))
                stored = LGDStep(
                    student, variant, teacher, num_classes, device, store=out)
                samples = {online.name: [], stored.name: []}
                for it in range(warmup + iters):
                    for runner in (online, stored):
                        phases = runner(images)
                        if it >= warmup:
                            samples[runner.name].append(phases)
                pair = [
                    _summary(student, r.name, batch, samples[r.name], {})
                    for r in (online, stored)
                ]
                pair[1]['stored_speedup'] = (
                    pair[1]['images_per_s'] / pair[0]['images_per_s'])
                rows += pair
                del online, stored
                gc.collect()
            store_replay = replay_dataset(
                root,
                image_size,
                num_views,
                store=osp.join(tmp.name, f'store-{passes[0]["student"]}'))
            loader = bench_replay_loader(store_replay, loader_workers,
                                         min(batch, num_images))
    finally:
        cv2.setNumThreads(old_threads)
        tmp.cleanup()
    # payload only: a shard's .npy header is 128 bytes per 4096 images
    per_view = passes[0]['embed_dim'] * 2  # fp16
    return dict(
        rows=rows,
        variant=variant,
        batch=batch,
        image_size=image_size,
        teacher=teacher,
        iters=iters,
        teacher_pass=passes,
        in1k_k10_gb=IN1K_IMAGES * 10 * per_view / 1e9,
        num_images=num_images,
        num_views=num_views,
        loader=loader)
