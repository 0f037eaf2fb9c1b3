"""Write ToyWorld to disk in the formats the stock OpenMMLab tools read.

Every image is a pure function of ``(seed, split, index)``: classification
image ``j`` of class ``k`` draws from ``default_rng([seed, split_id, k, j])``
(so raising the per-class count keeps the earlier images) and scene ``i``
from ``default_rng([seed, split_id, i])``. Workers therefore render in any
order and the tree is byte-identical for any ``num_workers``; JSON and text
files are written by the parent in index order with fixed formatting.
"""
import json
import multiprocessing
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log
from tqdm import tqdm

from lgd_mm.utils.fileio import atomic_write_text

from .render import (TOYWORLD_CLASSES, TOYWORLD_PALETTE, render_cls_image,
                     render_scene)

TOYWORLD_VERSION = 1
_SHARED = dict(
    cls_size=64,
    scene_size=128,
    min_objects=1,
    max_objects=4,
    min_instance_area=48,
    min_visible_frac=0.5,
    jpeg_quality=95)
TOYWORLD_PRESETS = dict(
    # tiny, for unit tests: generates in about a second
    ci=dict(
        _SHARED,
        cls_train_per_class=8,
        cls_val_per_class=4,
        scene_train=24,
        scene_val=8),
    # sized for the 15-minute CPU demo
    default=dict(
        _SHARED,
        cls_train_per_class=150,
        cls_val_per_class=30,
        scene_train=400,
        scene_val=100),
)
# rng stream ids; never reuse one for a different split
_SPLIT_IDS = dict(cls_train=0, cls_val=1, scene_train=2, scene_val=3)
_ADE_SPLITS = dict(train='training', val='validation')
_OWNED = ('cls', 'coco', 'ade', 'classnames.txt', 'toyworld.json')
_INCOMPLETE = '.toyworld_incomplete'

_ctx: Dict = {}  # (out_dir, seed, params) for this process' tasks


def class_folder(name: str) -> str:
    """Folder name of a class in the ``cls`` split ("red circle" ->
    "red_circle")."""
    return name.replace(' ', '_')


def resolve_params(preset: str, overrides: Optional[Dict] = None) -> Dict:
    """The generation parameters of ``preset`` with ``overrides`` applied.

    Args:
        preset (str): A key of :data:`TOYWORLD_PRESETS`.
        overrides (dict, optional): Values replacing preset entries, e.g.
            ``dict(cls_train_per_class=4)``. Unknown keys raise.

    Returns:
        dict: A new parameter dict.
    """
    if preset not in TOYWORLD_PRESETS:
        raise KeyError(f'unknown ToyWorld preset {preset!r}; choose from '
                       f'{sorted(TOYWORLD_PRESETS)}')
    params = dict(TOYWORLD_PRESETS[preset])
    unknown = set(overrides or {}) - set(params)
    if unknown:
        raise KeyError(f'unknown ToyWorld parameters {sorted(unknown)}; '
                       f'valid: {sorted(params)}')
    params.update(overrides or {})
    return params


def _encode(img: np.ndarray, ext: str, quality: int = 95) -> bytes:
    """Encode RGB (or single-channel) ``img`` with fixed settings."""
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    flags = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext == '.jpg' else \
        [cv2.IMWRITE_PNG_COMPRESSION, 6]
    ok, buf = cv2.imencode(ext, img, flags)
    assert ok, f'could not encode {ext}'
    return buf.tobytes()


def _write(path: str, data: bytes) -> None:
    with open(path, 'wb') as f:
        f.write(data)


def _cls_task(split: str, label: int, j: int) -> Tuple:
    out, seed, p = _ctx['out_dir'], _ctx['seed'], _ctx['params']
    rng = np.random.default_rng([seed, _SPLIT_IDS[f'cls_{split}'], label, j])
    img, text = render_cls_image(rng, p['cls_size'], label)
    rel = f'{class_folder(TOYWORLD_CLASSES[label])}/{j:05d}.jpg'
    _write(
        osp.join(out, 'cls', split, rel),
        _encode(img, '.jpg', p['jpeg_quality']))
    return rel, label, text


def _scene_task(split: str, i: int) -> Tuple:
    out, seed, p = _ctx['out_dir'], _ctx['seed'], _ctx['params']
    rng = np.random.default_rng([seed, _SPLIT_IDS[f'scene_{split}'], i])
    size = p['scene_size']
    img, instances = render_scene(
        rng,
        size,
        num_objects=(p['min_objects'], p['max_objects']),
        min_area=p['min_instance_area'],
        min_visible_frac=p['min_visible_frac'])
    name = f'{i:06d}'
    jpg = _encode(img, '.jpg', p['jpeg_quality'])
    # the same scene feeds both COCO and ADE; visible masks are disjoint
    _write(osp.join(out, 'coco', split, name + '.jpg'), jpg)
    ade = _ADE_SPLITS[split]
    _write(osp.join(out, 'ade', 'images', ade, name + '.jpg'), jpg)
    seg = np.zeros((size, size), np.uint8)  # 0 = background ("other")
    anns = []
    for inst in instances:
        seg[inst['mask']] = inst['label'] + 1  # ADE20K: class c stored c+1
        ys, xs = np.nonzero(inst['mask'])
        x0, y0 = int(xs.min()), int(ys.min())
        anns.append(
            dict(
                category_id=inst['label'] + 1,
                segmentation=inst['polygons'],
                area=int(inst['mask'].sum()),
                # extent of the mask in pixel-edge coordinates: pixel x
                # spans [x, x+1], as pycocotools' toBbox reports it
                bbox=[
                    float(x0),
                    float(y0),
                    float(xs.max() + 1 - x0),
                    float(ys.max() + 1 - y0)
                ],
                iscrowd=0))
    _write(
        osp.join(out, 'ade', 'annotations', ade, name + '.png'),
        _encode(seg, '.png'))
    return name + '.jpg', size, size, anns


def _run(task: Tuple) -> Tuple:
    kind, *args = task
    return task, (_cls_task if kind == 'cls' else _scene_task)(*args)


def _init_worker(ctx: Dict) -> None:
    _ctx.update(ctx)
    # the pool already gives parallelism; cv2's own threads only contend
    cv2.setNumThreads(1)


def _coco_json(split: str, scenes: List[Tuple]) -> Dict:
    images, annotations = [], []
    for img_id, (file_name, h, w, anns) in enumerate(scenes, 1):
        images.append(dict(id=img_id, file_name=file_name, height=h, width=w))
        for ann in anns:
            annotations.append(
                dict(id=len(annotations) + 1, image_id=img_id, **ann))
    categories = [
        dict(id=k + 1, name=name, supercategory=name.split(' ')[1])
        for k, name in enumerate(TOYWORLD_CLASSES)
    ]
    return dict(
        info=dict(
            description=f'ToyWorld {split} scenes',
            version=str(TOYWORLD_VERSION)),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=categories)


def _dump_json(path: str, obj: Dict, indent: Optional[int] = None) -> None:
    atomic_write_text(path, json.dumps(obj, indent=indent) + '\n')


def _write_lines(path: str, lines: List[str]) -> None:
    atomic_write_text(path, ''.join(line + '\n' for line in lines))


def _prepare(out_dir: str) -> None:
    """Remove a previous ToyWorld tree; refuse to touch foreign files."""
    present = [n for n in _OWNED if osp.exists(osp.join(out_dir, n))]
    ours = osp.exists(osp.join(out_dir, 'toyworld.json')) or osp.exists(
        osp.join(out_dir, _INCOMPLETE))
    if present and not ours:
        raise FileExistsError(
            f'{out_dir} holds {present} but no toyworld.json; '
            'refusing to overwrite files ToyWorld did not write')
    for name in present:
        path = osp.join(out_dir, name)
        shutil.rmtree(path) if osp.isdir(path) else os.remove(path)


def _make_tasks(out_dir: str, params: Dict) -> List[Tuple]:
    """Create the output folders and list one task per image."""
    tasks = []
    for split in ('train', 'val'):
        for k, name in enumerate(TOYWORLD_CLASSES):
            os.makedirs(osp.join(out_dir, 'cls', split, class_folder(name)))
            tasks += [('cls', split, k, j)
                      for j in range(params[f'cls_{split}_per_class'])]
        os.makedirs(osp.join(out_dir, 'coco', split))
        for sub in ('images', 'annotations'):
            os.makedirs(osp.join(out_dir, 'ade', sub, _ADE_SPLITS[split]))
        tasks += [('scene', split, i) for i in range(params[f'scene_{split}'])]
    os.makedirs(osp.join(out_dir, 'cls', 'meta'))
    os.makedirs(osp.join(out_dir, 'coco', 'annotations'))
    return tasks


def _render(tasks: List[Tuple], ctx: Dict, num_workers: int,
            progress: bool) -> Dict:
    """Run every task (writing its images); return task -> result."""
    results = {}
    if num_workers > 0:
        # pool before the bar: fork before tqdm starts its monitor thread
        with multiprocessing.Pool(num_workers, _init_worker, (ctx, )) as pool:
            with tqdm(
                    total=len(tasks),
                    desc='ToyWorld',
                    unit='img',
                    disable=not progress) as bar:
                for task, res in pool.imap_unordered(_run, tasks, 16):
                    results[task] = res
                    bar.update()
        return results
    _ctx.update(ctx)
    try:
        for task in tqdm(tasks, 'ToyWorld', unit='img', disable=not progress):
            results[task] = _run(task)[1]
    finally:
        _ctx.clear()
    return results


def _write_index_files(out_dir: str, split: str, params: Dict,
                       results: Dict) -> Dict:
    """Write a split's annotation files in index order; return counts."""
    cls = [
        results[('cls', split, k, j)] for k in range(len(TOYWORLD_CLASSES))
        for j in range(params[f'cls_{split}_per_class'])
    ]
    _write_lines(
        osp.join(out_dir, 'cls', 'meta', f'{split}.txt'),
        [f'{rel} {label}' for rel, label, _ in cls])
    captions = [f'{split}/{rel}\t{text}' for rel, _, text in cls]
    _write_lines(
        osp.join(out_dir, 'cls', f'captions_{split}.tsv'),
        ['filepath\tcaption'] + captions)
    scenes = [
        results[('scene', split, i)] for i in range(params[f'scene_{split}'])
    ]
    coco = _coco_json(split, scenes)
    _dump_json(
        osp.join(out_dir, 'coco', 'annotations', f'instances_{split}.json'),
        coco)
    return {
        f'cls_{split}': len(cls),
        f'scenes_{split}': len(scenes),
        f'instances_{split}': len(coco['annotations'])
    }


def generate_toyworld(out_dir: str,
                      seed: int = 0,
                      preset: str = 'default',
                      num_workers: int = 0,
                      progress: bool = True,
                      overrides: Optional[Dict] = None) -> Dict:
    """Render ToyWorld into ``out_dir`` (see the package docstring for the
    layout) and return the summary written to ``toyworld.json``.

    Idempotent: when ``toyworld.json`` already records the same seed, preset,
    parameters and generator version, nothing is rendered and it is returned
    as is. Otherwise a previous ToyWorld tree there is replaced.

    Args:
        out_dir (str): Output root.
        seed (int): Non-negative dataset seed. Defaults to 0.
        preset (str): ``'ci'`` or ``'default'``. Defaults to ``'default'``.
        num_workers (int): Worker processes; 0 renders in this process. The
            output does not depend on it. Defaults to 0.
        progress (bool): Show a tqdm progress bar. Defaults to True.
        overrides (dict, optional): Preset entries to replace, e.g.
            ``dict(cls_train_per_class=4)``.

    Returns:
        dict: The summary (seed, preset, params, classes, palette, layout,
        counts, version).
    """
    if int(seed) != seed or seed < 0:
        raise ValueError(f'seed must be a non-negative int, got {seed!r}')
    seed = int(seed)
    params = resolve_params(preset, overrides)
    meta_path = osp.join(out_dir, 'toyworld.json')
    if osp.isfile(meta_path):
        with open(meta_path, encoding='utf-8') as f:
            old = json.load(f)
        if (old.get('version'), old.get('seed'), old.get('preset'),
                old.get('params')) == (TOYWORLD_VERSION, seed, preset, params):
            print_log(
                f'ToyWorld in {out_dir} is up to date; not regenerated',
                logger='current')
            return old

    os.makedirs(out_dir, exist_ok=True)
    _prepare(out_dir)
    open(osp.join(out_dir, _INCOMPLETE), 'w').close()
    results = _render(
        _make_tasks(out_dir, params),
        dict(out_dir=out_dir, seed=seed, params=params), num_workers, progress)
    counts = {}
    for split in ('train', 'val'):
        counts.update(_write_index_files(out_dir, split, params, results))
    _write_lines(osp.join(out_dir, 'classnames.txt'), list(TOYWORLD_CLASSES))

    summary = dict(
        generator='lgd_mm.datasets.toyworld',
        version=TOYWORLD_VERSION,
        seed=seed,
        preset=preset,
        params=params,
        classes=list(TOYWORLD_CLASSES),
        palette=TOYWORLD_PALETTE,
        layout=dict(
            classnames='classnames.txt',
            cls_root='cls',
            cls_ann_files=['cls/meta/train.txt', 'cls/meta/val.txt'],
            captions=['cls/captions_train.tsv', 'cls/captions_val.tsv'],
            coco_root='coco',
            coco_ann_files=[
                'coco/annotations/instances_train.json',
                'coco/annotations/instances_val.json'
            ],
            ade_root='ade'),
        counts=counts)
    _dump_json(meta_path, summary, indent=2)
    os.remove(osp.join(out_dir, _INCOMPLETE))
    return summary
