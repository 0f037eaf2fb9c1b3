"""Validate COCO instance annotations before a detection benchmark runs.

mmdet trains on boxes outside the image and on masks that do not match
their boxes without complaint; the numbers are then quietly wrong.
:func:`check_coco_json` reads an ``instances_*.json`` once and reports
every annotation that cannot be right, naming the file, the annotation id
and the image.
"""
import json
import os.path as osp
from typing import Iterator, List, Optional, Sequence

from mmengine.config import Config

__all__ = ['CocoAnnotationError', 'check_coco_json', 'check_config_coco']

#: Pixels a box or polygon may exceed the image by (float rounding in
#: converters).
TOLERANCE = 1.0
# (path, mtime, check_masks) of files that passed check_config_coco
_VALID = set()


class CocoAnnotationError(ValueError):
    """A COCO annotation file holds impossible annotations."""


def _polygon_extent(polygons) -> List[float]:
    # polygons of < 3 points are dropped by mmdet (and exist in COCO)
    polygons = [p for p in polygons if len(p) >= 6 and len(p) % 2 == 0]
    if not polygons:
        return [0., 0., 0., 0.]
    xs = [x for poly in polygons for x in poly[0::2]]
    ys = [y for poly in polygons for y in poly[1::2]]
    return [min(xs), min(ys), max(xs), max(ys)]


def _rle_extent(seg: dict) -> List[float]:
    from pycocotools import mask as mask_utils
    rle = seg
    if isinstance(seg.get('counts'), list):  # uncompressed RLE
        rle = mask_utils.frPyObjects(seg, *seg['size'])
    x, y, w, h = mask_utils.toBbox(rle).tolist()
    return [x, y, x + w, y + h]


def _mask_problems(seg, width: int, height: int, box: Sequence[float],
                   tol: float) -> Iterator[str]:
    """What is wrong with one segmentation, given its image and box."""
    if isinstance(seg, dict):
        if list(seg.get('size', [])) != [height, width]:
            yield (f'mask size {seg.get("size")} differs from the image '
                   f'({height}, {width})')
            return
        extent = _rle_extent(seg)
    else:
        if not isinstance(seg, list) or not seg or not all(
                isinstance(p, list) for p in seg):
            yield 'segmentation is neither a list of polygons nor an RLE'
            return
        extent = _polygon_extent(seg)
        if extent[0] < -tol or extent[1] < -tol or \
                extent[2] > width + tol or extent[3] > height + tol:
            yield (f'polygon extent {[round(v, 1) for v in extent]} '
                   f'outside the {width}x{height} image')
    if extent[2] <= extent[0] or extent[3] <= extent[1]:
        yield 'mask is empty'
        return
    # a box is the extent of its mask, up to rounding
    x, y, w, h = box
    slack = max(2.0, 0.1 * max(w, h))
    edges = (x, y, x + w, y + h)
    if any(abs(a - b) > slack for a, b in zip(extent, edges)):
        yield (f'mask extent {[round(v, 1) for v in extent]} does not '
               f'match bbox [x1, y1, x2, y2] '
               f'{[round(v, 1) for v in edges]}')


def _problems(data: dict, check_masks: bool, tol: float) -> Iterator[str]:
    for field in ('images', 'annotations', 'categories'):
        if not isinstance(data.get(field), list):
            yield f'no "{field}" list'
            return
    images = {}
    for img in data['images']:
        w, h = img.get('width'), img.get('height')
        if not isinstance(w, (int, float)) or not isinstance(
                h, (int, float)) or w <= 0 or h <= 0:
            yield (f'image id {img.get("id")} ({img.get("file_name")}): '
                   f'width/height {w}x{h}, expected positive numbers')
        else:
            images[img.get('id')] = img
    categories = {c.get('id') for c in data['categories']}
    for ann in data['annotations']:
        img = images.get(ann.get('image_id'))
        where = f'annotation id {ann.get("id")}'
        if img is None:
            yield f'{where}: unknown image_id {ann.get("image_id")}'
            continue
        where += f' (image {img.get("file_name")!r})'
        if ann.get('category_id') not in categories:
            yield f'{where}: unknown category_id {ann.get("category_id")}'
        box = ann.get('bbox')
        if not isinstance(box, list) or len(box) != 4:
            yield f'{where}: bbox {box!r}, expected [x, y, w, h]'
            continue
        x, y, w, h = box
        W, H = img['width'], img['height']
        if w < 1 or h < 1 or ann.get('area', 1) <= 0:
            continue  # mmdet ignores such annotations (COCO has a few)
        if x < -tol or y < -tol or x + w > W + tol or y + h > H + tol:
            yield (f'{where}: bbox {box} lies outside the {W}x{H} image '
                   f'(x2={x + w:g}, y2={y + h:g})')
        if check_masks and ann.get('segmentation'):
            for problem in _mask_problems(ann['segmentation'], W, H, box, tol):
                yield f'{where}: {problem}'


def _category_problems(data: dict,
                       classes: Sequence[str]) -> Iterator[str]:
    """Category names that mmdet would silently drop or never see."""
    names = [c.get('name') for c in data['categories']]
    extra = [n for n in names if n not in classes]
    if extra:
        yield (f'categories {extra[:5]} are not in the config\'s classes '
               '(mmdet would drop their annotations without a word)')
    missing = [c for c in classes if c not in names]
    if missing:
        yield (f'the config\'s classes {missing[:5]} have no category in '
               'the file (they could never be detected)')
    if not data['annotations']:
        yield 'no annotations at all'


def check_coco_json(path: str,
                    check_masks: bool = True,
                    tolerance: float = TOLERANCE,
                    max_report: int = 10,
                    classes: Optional[Sequence[str]] = None) -> dict:
    """Check a COCO instances file; return its summary or raise.

    Checks: ``images`` / ``annotations`` / ``categories`` lists; positive
    image sizes; known ``image_id`` / ``category_id``; boxes ``[x, y, w, h]``
    inside the image (``tolerance`` pixels of slack); with ``check_masks``:
    polygons inside the image, RLE sizes equal to the image's, non-empty
    masks whose extent matches the box (within max(2 px, 10 % of the box
    side)). Annotations mmdet ignores anyway (``w`` or ``h`` < 1, area 0,
    polygons of < 3 points) are not reported.

    Args:
        path (str): The json file.
        check_masks (bool): Also check segmentations. Defaults to True.
        tolerance (float): Slack in pixels. Defaults to 1.
        max_report (int): Problems quoted in the error. Defaults to 10.
        classes (Sequence[str], optional): The class names the config
            trains and evaluates; the file's category names must be the
            same set, and it must hold annotations.

    Returns:
        dict: ``images``, ``annotations``, ``categories`` counts.

    Raises:
        CocoAnnotationError: listing the first ``max_report`` problems and
            their total count.
    """
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise CocoAnnotationError(
            f'{path}: cannot read COCO annotations ({e})') from None
    if not isinstance(data, dict):
        raise CocoAnnotationError(f'{path}: expected a COCO json object')
    problems = list(_problems(data, check_masks, tolerance))
    if classes is not None and not problems:
        problems = list(_category_problems(data, list(classes)))
    if problems:
        shown = '\n  '.join(problems[:max_report])
        more = len(problems) - max_report
        raise CocoAnnotationError(
            f'{path}: {len(problems)} invalid COCO annotations:\n  {shown}' +
            (f'\n  ... and {more} more' if more > 0 else '') +
            '\nExpected the config\'s class names as categories, boxes '
            '[x, y, w, h] inside their image and masks that cover their '
            'box; fix the file or the config\'s metainfo.classes.')
    return {k: len(data[k]) for k in ('images', 'annotations', 'categories')}


def _config_classes(dataset: dict, scope: str) -> Optional[tuple]:
    """The class names a detection data set config trains on."""
    classes = (dataset.get('metainfo') or {}).get('classes')
    if classes is None:
        from mmengine.registry import DATASETS
        with DATASETS.switch_scope_and_registry(scope) as registry:
            cls = registry.get(dataset.get('type'))
        classes = getattr(cls, 'METAINFO', {}).get('classes')
    return tuple(classes) if classes is not None else None


def check_config_coco(cfg: Config,
                      keys: Sequence[str] = ('train_dataloader',
                                             'val_dataloader',
                                             'test_dataloader'),
                      check_masks: bool = True) -> List[str]:
    """Run :func:`check_coco_json` on the ``ann_file`` of every COCO / LVIS
    data set of the data loaders ``keys`` (those the run uses), against the
    classes the data set config names (``metainfo.classes``, else its
    type's); returns the files checked."""
    scope = cfg.get('default_scope') or 'mmdet'
    checked = []
    for key in keys:
        dataset = (cfg.get(key) or {}).get('dataset')
        while isinstance(dataset, dict):
            ann = dataset.get('ann_file')
            kind = str(dataset.get('type', '')).lower()
            if isinstance(ann, str) and ann.endswith('.json') and (
                    'coco' in kind or 'lvis' in kind):
                root = dataset.get('data_root') or ''
                path = ann if osp.isabs(ann) else osp.join(root, ann)
                if path not in checked:
                    # a big train json is read once per file version
                    classes = _config_classes(dataset, scope)
                    stamp = (osp.abspath(path), osp.getmtime(path),
                             check_masks, classes) if osp.exists(path) else None
                    if stamp is None or stamp not in _VALID:
                        check_coco_json(path, check_masks, classes=classes)
                        _VALID.add(stamp)
                    checked.append(path)
            dataset = dataset.get('dataset')
    return checked
