"""Validate semantic-segmentation label maps before a benchmark trains.

mmseg loads a label map whatever its size or values: a map of the wrong size
is resized with its image and silently misaligned, values beyond the class
count become wrong targets or raw CUDA/tensor errors mid-run, and an RGB map
fails deep inside the loss. :func:`check_seg_dataset` builds the data set a
config describes (its file list, classes and ``reduce_zero_label``) and
checks every (image, label) pair once, naming the first bad file.
"""
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from PIL import Image

__all__ = ['SegLabelError', 'check_label_map', 'check_seg_dataset',
           'check_config_seg']

# (img dir, label dir, file count, classes, reduce) of data sets that passed
_VALID = set()


class SegLabelError(ValueError):
    """A label map does not fit its image or the config's classes."""


def _allowed_max(num_classes: int, reduce_zero_label: bool) -> int:
    # with reduce_zero_label, raw 0 is ignore and raw c + 1 is class c
    return num_classes if reduce_zero_label else num_classes - 1


def check_label_map(img_path: str, seg_path: str, num_classes: int,
                    reduce_zero_label: bool, ignore_index: int = 255) -> None:
    """Check one label map against its image and the class count.

    Raises:
        SegLabelError: The label file is missing, not single-channel, of
            another size than the image, or holds a value that is neither a
            class nor ``ignore_index`` (names the file and the value).
    """
    if not osp.isfile(seg_path):
        raise SegLabelError(f'{seg_path}: label map of {img_path} is '
                            'missing')
    with Image.open(img_path) as img:
        img_size = img.size
    with Image.open(seg_path) as seg:
        if seg.mode not in ('L', 'P', 'I', 'I;16'):
            raise SegLabelError(
                f'{seg_path}: label map has mode {seg.mode!r}; expected a '
                'single-channel PNG of class indices (mode L or P)')
        if seg.size != img_size:
            raise SegLabelError(
                f'{seg_path}: label map is {seg.size[0]}x{seg.size[1]} but '
                f'its image {img_path} is {img_size[0]}x{img_size[1]}')
        values = np.unique(np.asarray(seg))
    top = _allowed_max(num_classes, reduce_zero_label)
    bad = [int(v) for v in values if not (0 <= v <= top or v == ignore_index)]
    if bad:
        raise SegLabelError(
            f'{seg_path}: label value(s) {bad[:5]} outside the classes: '
            f'expected 0..{top} ({num_classes} classes'
            f'{", reduce_zero_label" if reduce_zero_label else ""}) or '
            f'{ignore_index} (ignore)')


def check_seg_dataset(dataset_cfg: dict, scope: str = 'mmseg') -> Dict:
    """Check every label map of the mmseg data set ``dataset_cfg``.

    Args:
        dataset_cfg (dict): A data set config of a data loader (its pipeline
            is not run).
        scope (str): Registry scope the config builds in.

    Returns:
        dict: ``images`` (count), ``classes`` (count), ``reduce_zero_label``;
        empty for data sets that are not mmseg segmentation sets.

    Raises:
        SegLabelError: No image, or a bad label map (see
            :func:`check_label_map`).
    """
    from mmengine.registry import DATASETS
    from mmseg.datasets import BaseSegDataset
    with DATASETS.switch_scope_and_registry(scope) as registry:
        cls = registry.get(dataset_cfg.get('type'))
        if cls is None or not (isinstance(cls, type)
                               and issubclass(cls, BaseSegDataset)):
            return {}
        dataset = registry.build(
            dict(dataset_cfg, pipeline=[], lazy_init=False,
                 serialize_data=False))
    where = f'{dataset_cfg.get("type")} at {dataset.data_root}'
    pairs: List[Tuple[str, str]] = [(d['img_path'], d['seg_map_path'])
                                    for d in dataset.data_list]
    if not pairs:
        raise SegLabelError(f'{where}: no image found under '
                            f'{dataset.data_prefix}; expected '
                            f'*{dataset.img_suffix} images')
    classes = len(dataset.metainfo['classes'])
    reduce = bool(dataset.reduce_zero_label)
    key = (osp.dirname(pairs[0][0]), osp.dirname(pairs[0][1]), len(pairs),
           classes, reduce)
    if key not in _VALID:
        for img, seg in pairs:
            check_label_map(img, seg, classes, reduce, dataset.ignore_index)
        _VALID.add(key)
    return dict(images=len(pairs), classes=classes, reduce_zero_label=reduce)


def check_config_seg(cfg: Config,
                     keys: Sequence[str] = ('train_dataloader',
                                            'val_dataloader',
                                            'test_dataloader')) -> List[str]:
    """Run :func:`check_seg_dataset` on the data sets of the data loaders
    ``keys`` (those the run uses); returns what was checked, one line
    each."""
    scope = cfg.get('default_scope') or 'mmseg'
    checked = []
    for key in keys:
        dataset = (cfg.get(key) or {}).get('dataset')
        if isinstance(dataset, dict):
            summary = check_seg_dataset(dataset.to_dict() if hasattr(
                dataset, 'to_dict') else dict(dataset), scope)
            if summary:
                checked.append(f'{key}: {summary}')
    return checked
