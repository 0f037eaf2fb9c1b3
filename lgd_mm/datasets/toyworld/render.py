"""ToyWorld renderer: pure functions from a numpy ``Generator`` to pixels.

A class is a *colour shape* pair ("red circle"); texture, size, rotation,
position and the background are nuisance factors. Everything here draws
from the ``rng`` it is given and nothing else, so an image is a pure function
of the generator's seed. Images are RGB ``uint8``.
"""
import colorsys
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from pycocotools import mask as mask_utils

# name -> (hue in degrees, hue jitter, value range); saturated on purpose
# so an object never blends into the muted background.
_COLOURS = {
    'blue': (222., 12., (0.72, 1.0)),
    'green': (125., 14., (0.62, 0.95)),
    'red': (0., 7., (0.72, 1.0)),
    'yellow': (54., 5., (0.86, 1.0)),
}


def _unit_polygon(n: int,
                  inner: float = 1.,
                  phase: float = -np.pi / 2) -> np.ndarray:
    """``n`` vertices on the unit circle from angle ``phase``; with
    ``inner`` < 1 a star, with a vertex at radius ``inner`` between each."""
    k = 1 if inner == 1. else 2
    ang = phase + 2 * np.pi * np.arange(n * k) / (n * k)
    rad = np.where(np.arange(n * k) % k == 0, 1., inner)
    return np.stack([np.cos(ang), np.sin(ang)], 1) * rad[:, None]


# name -> (unit polygon, size factor giving the shapes similar areas)
_SHAPES = {
    'circle': (_unit_polygon(64), 0.85),
    'square': (_unit_polygon(4, phase=np.pi / 4), 1.0),
    'star': (_unit_polygon(5, inner=0.45), 1.2),
    'triangle': (_unit_polygon(3), 1.15),
}

TOYWORLD_COLOURS = tuple(sorted(_COLOURS))
TOYWORLD_SHAPES = tuple(sorted(_SHAPES))
# Alphabetical, so the class-folder order that mmpretrain's CustomDataset
# finds (sorted folder names, "blue_circle", ...) is the class-index order.
TOYWORLD_CLASSES = tuple(f'{c} {s}' for c in TOYWORLD_COLOURS
                         for s in TOYWORLD_SHAPES)
_SHADES = (1.0, 0.8, 0.6, 0.42)  # per shape, to tell classes apart in plots
TOYWORLD_PALETTE = [[
    int(round(v * _SHADES[j]))
    for v in colorsys.hsv_to_rgb(_COLOURS[c][0] / 360., 0.9, 255.)
] for c in TOYWORLD_COLOURS for j, _ in enumerate(TOYWORLD_SHAPES)]

TEXTURES = ('solid', 'stripes', 'dots', 'checker')
BACKGROUNDS = ('plain', 'gradient', 'noisy', 'cluttered')
_BG_PROBS = (0.2, 0.25, 0.25, 0.3)
# Clutter colours (hue, sat range, value range): none is a class colour.
_DISTRACTORS = (
    (0., (0., 0.1), (0.2, 0.9)),  # grey
    (0., (0., 0.), (0.93, 1.)),  # white
    (0., (0., 0.), (0., 0.1)),  # black
    (25., (0.55, 0.75), (0.3, 0.48)),  # brown
    (185., (0.5, 0.9), (0.6, 1.)),  # cyan
    (305., (0.5, 0.9), (0.6, 1.)),  # magenta
)


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    """HSV (degrees, 0-1, 0-1) to an RGB float32 triple in 0-255."""
    rgb = colorsys.hsv_to_rgb((h % 360.) / 360., s, v)
    return np.array(rgb, dtype=np.float32) * 255.


def _muted(rng: np.random.Generator) -> np.ndarray:
    return _hsv(
        rng.uniform(0, 360), rng.uniform(0, 0.3), rng.uniform(0.2, 0.9))


def _distractor(rng: np.random.Generator) -> Tuple[int, int, int]:
    h, s, v = _DISTRACTORS[rng.integers(len(_DISTRACTORS))]
    rgb = _hsv(h + rng.uniform(-5, 5), rng.uniform(*s), rng.uniform(*v))
    return tuple(int(x) for x in rgb)


@lru_cache(maxsize=8)
def _grid(size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates of a ``size`` x ``size`` canvas."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    return xs, ys


def render_background(rng: np.random.Generator,
                      size: int) -> Tuple[np.ndarray, str]:
    """A muted background, optionally with distractor lines and blobs.

    Returns:
        tuple: ``uint8`` RGB image and the background kind (a caption word).
    """
    kind = BACKGROUNDS[rng.choice(len(BACKGROUNDS), p=_BG_PROBS)]
    xs, ys = _grid(size)
    base = kind
    if kind == 'cluttered':
        base = ('gradient', 'noisy')[rng.integers(2)]
    if base == 'plain':
        img = np.broadcast_to(_muted(rng), (size, size, 3)).copy()
    elif base == 'gradient':
        a, b, ang = _muted(rng), _muted(rng), rng.uniform(0, 2 * np.pi)
        t = (np.cos(ang) * xs + np.sin(ang) * ys) / size
        t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
        img = a + t[..., None] * (b - a)
    else:  # low-frequency colour blotches plus pixel noise
        k = int(rng.integers(3, 9))
        cells = np.stack([_muted(rng) for _ in range(k * k)]).reshape(k, k, 3)
        img = cv2.resize(cells, (size, size), interpolation=cv2.INTER_CUBIC)
        img = img + rng.uniform(6, 18) * rng.standard_normal(
            img.shape, np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if kind == 'cluttered':
        thick = max(1, size // 96)
        for _ in range(rng.integers(3, 9)):
            p, q = rng.integers(0, size, (2, 2))
            cv2.line(img, tuple(int(v) for v in p), tuple(int(v) for v in q),
                     _distractor(rng), int(rng.integers(thick, 2 * thick + 1)),
                     cv2.LINE_AA)
        for _ in range(rng.integers(1, 5)):
            n = int(rng.integers(5, 10))
            ang = np.sort(rng.uniform(0, 2 * np.pi, n))
            rad = rng.uniform(0.02, 0.07, n) * size
            ctr = rng.uniform(0, size, 2)
            pts = ctr + np.stack([np.cos(ang), np.sin(ang)], 1) * rad[:, None]
            cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)],
                         _distractor(rng), cv2.LINE_AA, 4)
    return img, kind


def sample_object(rng: np.random.Generator,
                  size: int,
                  radius: Tuple[float, float],
                  label: Optional[int] = None) -> Dict:
    """Draw the parameters of one object on a ``size`` canvas.

    Args:
        rng (np.random.Generator): Source of randomness.
        size (int): Canvas side in pixels.
        radius (tuple[float, float]): Range of the base radius as a fraction
            of ``size``; each shape scales it to a similar area.
        label (int, optional): Class index; drawn uniformly when None.

    Returns:
        dict: ``label``, ``polygon`` (N, 2) in pixel units, ``texture`` and
        colour/texture parameters consumed by :func:`paint_object`.
    """
    if label is None:
        label = int(rng.integers(len(TOYWORLD_CLASSES)))
    colour, shape = TOYWORLD_CLASSES[label].split(' ')
    unit, factor = _SHAPES[shape]
    r0 = rng.uniform(*radius)
    r = r0 * size * factor
    aspect = rng.uniform(0.9, 1.1, 2)
    ang = rng.uniform(0, 2 * np.pi)
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    pts = (unit * aspect * r) @ rot.T
    # keep the whole shape inside the canvas so its box is the true extent
    lo, hi = -pts.min(0), size - pts.max(0)
    ctr = rng.uniform(lo, np.maximum(hi, lo + 1e-3))
    hue, jit, vrange = _COLOURS[colour]
    prim = _hsv(hue + rng.uniform(-jit, jit), rng.uniform(0.75, 1.0),
                rng.uniform(*vrange))
    texture = TEXTURES[rng.integers(len(TEXTURES))]
    size_frac = (r0 - radius[0]) / (radius[1] - radius[0])
    return dict(
        label=label,
        polygon=pts + ctr,
        centre=ctr,
        radius=r,
        size_word=('small', 'medium', 'large')[min(int(size_frac * 3), 2)],
        texture=texture,
        primary=prim,
        secondary=prim * rng.uniform(0.45, 0.65),
        period=r * rng.uniform(0.35, 0.6),
        pattern_angle=rng.uniform(0, np.pi),
        dot_frac=rng.uniform(0.25, 0.38),
        shade=rng.uniform(0., 0.15),
        shade_angle=rng.uniform(0, 2 * np.pi))


def fill_mask(polygon: np.ndarray, size: int) -> np.ndarray:
    """Rasterise a polygon (pixel units) to a boolean ``size`` mask."""
    canvas = np.zeros((size, size), np.uint8)
    pts = np.round((polygon - 0.5) * 16).astype(np.int32)  # 4-bit subpixel
    cv2.fillPoly(canvas, [pts], 1, cv2.LINE_8, 4)
    return canvas.astype(bool)


def paint_object(img: np.ndarray, mask: np.ndarray, obj: Dict) -> None:
    """Paint a textured, shaded object into a float32 RGB image in place."""
    # work on the polygon's bounding box only
    lo = np.maximum(np.floor(obj['polygon'].min(0)).astype(int), 0)
    hi = np.ceil(obj['polygon'].max(0)).astype(int) + 1
    box = np.s_[lo[1]:hi[1], lo[0]:hi[0]]
    xs, ys = (g[box] for g in _grid(img.shape[0]))
    img, mask = img[box], mask[box]
    c, s = np.cos(obj['pattern_angle']), np.sin(obj['pattern_angle'])
    u = (c * xs + s * ys) / obj['period']
    v = (-s * xs + c * ys) / obj['period']
    tex = obj['texture']
    if tex == 'stripes':
        second = (u % 1.0) < 0.5
    elif tex == 'dots':
        second = (u % 1.0 - 0.5)**2 + (v % 1.0 - 0.5)**2 < obj['dot_frac']**2
    elif tex == 'checker':
        second = (np.floor(u) + np.floor(v)) % 2 == 1
    else:
        second = np.zeros_like(mask)
    colour = np.where(second[..., None], obj['secondary'], obj['primary'])
    # a soft linear light so flat fills do not look pasted on
    cx, cy = obj['centre']
    d = (np.cos(obj['shade_angle']) * (xs - cx) + np.sin(obj['shade_angle']) *
         (ys - cy)) / obj['radius']
    colour = colour * (1. + obj['shade'] * np.clip(d, -1, 1))[..., None]
    img[mask] = colour[mask]


def _finish(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    img = img + 2.0 * rng.standard_normal(img.shape, np.float32)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def _position_word(centre: np.ndarray, size: float) -> str:
    col, row = (np.clip(centre / size * 3, 0, 2.999)).astype(int)
    row = ('top', 'middle', 'bottom')[row]
    col = ('left', 'centre', 'right')[col]
    return 'in the centre' if (row, col) == ('middle', 'centre') else \
        f'in the {row} {col}'


_TEX_WITH = dict(
    solid='',
    stripes=' with stripes',
    dots=' with dots',
    checker=' with a checker pattern')
_TEX_ADJ = dict(
    solid='solid', stripes='striped', dots='dotted', checker='checkered')
_TEMPLATES = (
    'a photo of a {cls}{with_} on a {bg} background.',
    'a {adj} {cls} on a {bg} background.',
    'a {size} {cls}{with_}.',
    'a picture of a {size} {cls} {pos}.',
    'a {cls} shape{with_}, {pos}.',
    'a rendering of a {adj} {cls}.',
    'a photo of a {cls}.',
)


def caption(rng: np.random.Generator, obj: Dict, bg: str, size: int) -> str:
    """A short caption naming the class plus some nuisance factors."""
    tpl = _TEMPLATES[rng.integers(len(_TEMPLATES))]
    return tpl.format(
        cls=TOYWORLD_CLASSES[obj['label']],
        with_=_TEX_WITH[obj['texture']],
        adj=_TEX_ADJ[obj['texture']],
        bg=bg,
        size=obj['size_word'],
        pos=_position_word(obj['centre'], size))


def render_cls_image(rng: np.random.Generator,
                     size: int,
                     label: int,
                     supersample: int = 2) -> Tuple[np.ndarray, str]:
    """One object of class ``label`` on a background, and its caption.

    Drawn at ``supersample`` x the size and area-downsampled, so edges are
    anti-aliased at the small output size.

    Returns:
        tuple: ``uint8`` RGB image of shape (size, size, 3) and a caption.
    """
    big = size * supersample
    bg, kind = render_background(rng, big)
    img = bg.astype(np.float32)
    obj = sample_object(rng, big, (0.18, 0.32), label)
    paint_object(img, fill_mask(obj['polygon'], big), obj)
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    return _finish(rng, img), caption(rng, obj, kind, big)


def mask_to_polygons(mask: np.ndarray) -> Optional[List[List[float]]]:
    """COCO polygons that pycocotools decodes back to exactly ``mask``.

    Contours are traced on a 2x nearest-upsampled mask, so each vertex lies
    a quarter pixel inside the pixel edges (pixel ``x`` spans ``[x, x+1]``):
    every kept pixel centre is inside the polygon and every other outside,
    which is what pycocotools' rasteriser tests. Masks with holes cannot be
    written as COCO polygons (parts are unioned), and any mask that does not
    round-trip exactly is refused.

    Returns:
        list[list[float]] | None: flat ``[x0, y0, x1, y1, ...]`` lists, or
        None for an empty mask, a mask with holes or an inexact round trip.
    """
    up = np.repeat(np.repeat(mask, 2, 0), 2, 1).astype(np.uint8)
    contours, hier = cv2.findContours(up, cv2.RETR_CCOMP,
                                      cv2.CHAIN_APPROX_SIMPLE)
    if hier is None or (hier[0][:, 3] >= 0).any():
        return None
    polys = [((c.reshape(-1, 2) + 0.5) / 2).ravel().tolist() for c in contours]
    if any(len(p) < 6 for p in polys):
        return None
    if not np.array_equal(decode_polygons(polys, *mask.shape), mask):
        return None
    return polys


def decode_polygons(polys: List[List[float]], h: int, w: int) -> np.ndarray:
    """Decode COCO polygons the way pycocotools / mmdet do."""
    rle = mask_utils.merge(mask_utils.frPyObjects(polys, h, w))
    return mask_utils.decode(rle).astype(bool)


def render_scene(rng: np.random.Generator,
                 size: int,
                 num_objects: Tuple[int, int] = (1, 4),
                 radius: Tuple[float, float] = (0.08, 0.18),
                 min_area: int = 48,
                 min_visible_frac: float = 0.5,
                 max_tries: int = 20) -> Tuple[np.ndarray, List[Dict]]:
    """A cluttered scene of 1-4 objects with exact visible-part masks.

    Objects are painted in order, so later ones occlude earlier ones. A
    placement is redrawn (up to ``max_tries`` times, then the object is left
    out, never drawn unlabelled) if it would leave any object with fewer than
    ``min_area`` visible pixels or less than ``min_visible_frac`` of its full
    area, or a visible part that COCO polygons cannot express exactly.

    Returns:
        tuple: ``uint8`` RGB image and one dict per object in paint order
        with ``label`` (0-based), ``mask`` (visible part, bool) and
        ``polygons`` (COCO, decoding exactly to ``mask``).
    """
    bg, _ = render_background(rng, size)
    placed = []
    for _ in range(int(rng.integers(num_objects[0], num_objects[1] + 1))):
        for _ in range(max_tries):
            obj = sample_object(rng, size, radius)
            full = fill_mask(obj['polygon'], size)
            polys = mask_to_polygons(full)
            if full.sum() < min_area or polys is None:
                continue
            occluded = _occlude(placed, full, min_area, min_visible_frac)
            if occluded is None:
                continue
            for i, (vis, vpolys) in occluded.items():
                placed[i].update(mask=vis, polygons=vpolys)
            placed.append(dict(obj=obj, full=full, mask=full, polygons=polys))
            break
    img = bg.astype(np.float32)
    for p in placed:
        paint_object(img, p['full'], p['obj'])
    instances = [
        dict(label=p['obj']['label'], mask=p['mask'], polygons=p['polygons'])
        for p in placed
    ]
    return _finish(rng, img), instances


def _occlude(placed: List[Dict], new: np.ndarray, min_area: int,
             min_visible_frac: float) -> Optional[Dict]:
    """New visible parts of the ``placed`` objects that ``new`` covers.

    Returns:
        dict | None: index -> (visible mask, polygons) for the objects that
        change, or None if one would become too small or inexpressible.
    """
    changed = {}
    for i, p in enumerate(placed):
        if not (p['mask'] & new).any():
            continue
        vis = p['mask'] & ~new
        if vis.sum() < max(min_area, min_visible_frac * p['full'].sum()):
            return None
        polys = mask_to_polygons(vis)
        if polys is None:
            return None
        changed[i] = (vis, polys)
    return changed
