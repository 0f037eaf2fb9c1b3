"""Images/s of one dataloader worker running the pre-training pipeline."""
import copy
import os
import os.path as osp
import tempfile
import time
from typing import List, Optional, Sequence

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from lgd_mm.utils.config_paths import config_path
from .train_step import DATASET_CONFIG

DECODE_BACKENDS = ('pillow', 'cv2', 'turbojpeg')


def turbojpeg_status() -> Optional[str]:
    """None when mmcv's ``turbojpeg`` backend works, else why not."""
    from mmcv.image import io as mmcv_io
    if mmcv_io.TurboJPEG is None:
        return 'PyTurboJPEG is not installed'
    try:
        mmcv_io.TurboJPEG()
    except Exception as err:  # the shared library is missing
        return f'libturbojpeg not loadable: {err}'
    return None


def make_jpegs(folder: str,
               num: int,
               size: Sequence[int] = (500, 375),
               quality: int = 90,
               seed: int = 0) -> List[str]:
    """Write ``num`` photo-like JPEGs of ``size`` (w, h), ImageNet's typical
    size: smooth colour fields with fine noise, so that they compress and
    decode like photographs rather than like pure noise or flat colour."""
    rng = np.random.default_rng(seed)
    w, h = size
    paths = []
    for i in range(num):
        coarse = rng.uniform(0, 255, (8, 8, 3)).astype(np.float32)
        img = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
        img += rng.normal(0, 12, (h, w, 3)).astype(np.float32)
        path = osp.join(folder, f'img_{i:05d}.jpg')
        cv2.imwrite(path,
                    np.clip(img, 0, 255).astype(np.uint8),
                    [cv2.IMWRITE_JPEG_QUALITY, quality])
        paths.append(path)
    return paths


def train_pipeline(decode: str, resize: Optional[str] = None) -> list:
    """The LGD train pipeline of the dataset config, with the decode
    backend of ``LoadImageFromFile`` and optionally the resize backend of
    ``RandomResizedCrop`` replaced."""
    pipeline = copy.deepcopy(
        Config.fromfile(config_path(DATASET_CONFIG)).train_pipeline)
    for step in pipeline:
        if step['type'] == 'LoadImageFromFile':
            step['imdecode_backend'] = decode
        elif step['type'] == 'RandomResizedCrop' and resize is not None:
            step['backend'] = resize
    return pipeline


def _images_per_s(transform, paths: Sequence[str], repeats: int) -> float:
    transform(dict(img_path=paths[0]))  # warm-up (imports, caches)
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        for path in paths:
            transform(dict(img_path=path))
        best = max(best, len(paths) / (time.perf_counter() - start))
    return best


def bench_data(num_images: int = 200,
               size: Sequence[int] = (500, 375),
               decode_backends: Sequence[str] = DECODE_BACKENDS,
               resize_backends: Sequence[Optional[str]] = (None, 'cv2'),
               repeats: int = 2,
               loader_workers: Sequence[int] = (1, 2),
               folder: Optional[str] = None) -> dict:
    """Images/s per worker for each (decode, resize) backend pair, and of
    the config's dataloader (:func:`bench_loader`).

    Runs in this process, single-threaded as mmengine's workers are
    (``opencv_num_threads=0``); a dataloader with W workers delivers about
    W times this on W free cores. Rows of an unavailable backend carry
    ``unavailable`` instead of figures.

    Args:
        num_images (int): JPEGs generated in a temporary folder.
        size (Sequence[int]): Their (w, h).
        decode_backends (Sequence[str]): mmcv ``imdecode_backend`` values.
        resize_backends (Sequence[str | None]): ``RandomResizedCrop``
            backends; None keeps the config's.
        repeats (int): Passes over the images; the fastest counts.
        loader_workers (Sequence[int]): ``num_workers`` values of the
            dataloader rows; empty skips them.
        folder (str, optional): Where to write the images. Defaults to a
            temporary folder that is removed afterwards.

    Returns:
        dict: ``rows`` (pipeline), ``loader`` (dataloader) and the image
        set's description.
    """
    old_threads = cv2.getNumThreads()
    cv2.setNumThreads(0)
    tmp = None if folder else tempfile.TemporaryDirectory()
    root = folder or tmp.name
    rows = []
    try:
        os.makedirs(root, exist_ok=True)
        paths = make_jpegs(root, num_images, size)
        mean_kb = sum(osp.getsize(p) for p in paths) / len(paths) / 1024
        turbo = turbojpeg_status()
        with DefaultScope.overwrite_default_scope('lgd_mm'):
            for decode in decode_backends:
                for resize in resize_backends:
                    row = dict(decode=decode, resize=resize or 'config')
                    if decode == 'turbojpeg' and turbo is not None:
                        row['unavailable'] = turbo
                        rows.append(row)
                        continue
                    pipeline = train_pipeline(decode, resize)
                    row['decode_only_img_s'] = _images_per_s(
                        Compose(pipeline[:1]), paths, repeats)
                    row['pipeline_img_s'] = _images_per_s(
                        Compose(pipeline), paths, repeats)
                    rows.append(row)
        loader = bench_loader(
            root, loader_workers, batch_size=min(
                16, num_images)) if loader_workers else []
    finally:
        cv2.setNumThreads(old_threads)
        if tmp is not None:
            tmp.cleanup()
    return dict(
        rows=rows,
        loader=loader,
        images=dict(
            count=num_images, size=list(size), mean_kb=round(mean_kb, 1)))


def _loader_cfg(root: str, num_workers: int, prefetch_factor: int,
                persistent: bool, batch_size: int) -> dict:
    """The dataset config's train dataloader on an unlabelled folder."""
    cfg = Config.fromfile(config_path(DATASET_CONFIG)).train_dataloader
    cfg = copy.deepcopy(cfg.to_dict())
    cfg.update(
        batch_size=batch_size,
        num_workers=num_workers,
        persistent_workers=persistent and num_workers > 0,
        pin_memory=False)  # no accelerator to pin for here
    if num_workers > 0:
        cfg['prefetch_factor'] = prefetch_factor
    else:
        cfg.pop('prefetch_factor', None)
    cfg['dataset'] = dict(
        type='CustomDataset',
        data_root=root,
        with_label=False,
        pipeline=cfg['dataset']['pipeline'])
    return cfg


def bench_loader(root: str,
                 workers: Sequence[int] = (1, 2),
                 prefetch_factors: Sequence[int] = (2, 4),
                 batch_size: int = 16,
                 epochs: int = 2) -> List[dict]:
    """Images/s of the config's train dataloader and its epoch start-up.

    For every (workers, prefetch_factor) the loader runs ``epochs`` epochs
    over the JPEGs in ``root``; ``first_batch_s`` is the wait for the first
    batch of the last epoch, where persistent workers are already running
    and non-persistent ones are started again.
    """
    from mmengine.runner import Runner
    rows = []
    with DefaultScope.overwrite_default_scope('lgd_mm'):
        for num_workers in workers:
            for prefetch in prefetch_factors:
                for persistent in (True, False):
                    loader = Runner.build_dataloader(
                        _loader_cfg(root, num_workers, prefetch, persistent,
                                    batch_size),
                        seed=0)
                    images, elapsed, first = 0, 0.0, 0.0
                    for epoch in range(epochs):
                        start = time.perf_counter()
                        for i, batch in enumerate(loader):
                            if i == 0:
                                first = time.perf_counter() - start
                            if epoch == epochs - 1:
                                images += len(batch['inputs'])
                        if epoch == epochs - 1:
                            elapsed = time.perf_counter() - start
                    rows.append(
                        dict(
                            workers=num_workers,
                            prefetch_factor=prefetch,
                            persistent_workers=persistent,
                            images_per_s=images / elapsed,
                            first_batch_s=first))
                    del loader
    return rows
