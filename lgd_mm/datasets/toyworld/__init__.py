"""ToyWorld: a procedurally rendered, seeded stand-in for the real datasets.

Sixteen nameable classes, *colour shape* ("blue circle" ... "yellow
triangle"), rendered with random texture (solid, stripes, dots, checker),
size, rotation, position and background (plain, gradient, noisy, cluttered
with distractor lines and blobs in non-class colours). The same seed gives
the same bytes, for any number of workers.

Layout written by :func:`generate_toyworld` under ``out/``::

    classnames.txt                  one class per line, class-index order
    toyworld.json                   seed, preset, params, classes, counts
    cls/                            one object per image (64 px)
      train/<colour_shape>/00000.jpg  ImageNet class folders (mmpretrain
      val/<colour_shape>/00000.jpg    CustomDataset / ImageNet)
      meta/train.txt, meta/val.txt  "<colour_shape>/00000.jpg <label>"
      captions_train.tsv, captions_val.tsv
                                    "filepath<TAB>caption" with a header;
                                    filepath relative to cls/
                                    (:class:`ToyWorldCaptionDataset`)
    coco/                           scenes of 1-4 objects (128 px)
      train/000000.jpg, val/000000.jpg
      annotations/instances_{train,val}.json
    ade/                            the same scenes, ADE20K layout
      images/{training,validation}/000000.jpg
      annotations/{training,validation}/000000.png

Conventions:

* Class order is alphabetical, so sorted class folders (mmpretrain's
  ``CustomDataset``) follow ``classnames.txt``; COCO category ids are
  ``1..K`` in that order.
* COCO instance masks are the *visible* parts (later objects occlude earlier
  ones) as polygons that pycocotools decodes back to exactly the rendered
  mask; ``bbox`` is that mask's extent with pixel ``x`` spanning
  ``[x, x + 1]`` (equal to ``pycocotools.mask.toBbox``) and ``area`` its
  pixel count. Objects are never cut by the image border, and placements
  that would leave an object mostly hidden are redrawn, so no drawn object
  goes unlabelled.
* ADE label PNGs (8-bit, mode ``L``): 0 is background, class ``c`` is
  ``c + 1``; each map is the union of the scene's COCO instance masks. Use
  :class:`ToyWorldSegDataset` (``reduce_zero_label=True``).
"""
import warnings

from .render import (TOYWORLD_CLASSES, TOYWORLD_COLOURS, TOYWORLD_PALETTE,
                     TOYWORLD_SHAPES, decode_polygons, render_cls_image,
                     render_scene)
from .caption_dataset import ToyWorldCaptionDataset
try:
    from .seg_dataset import ToyWorldSegDataset
except ImportError as e:
    # mmseg imports mmcv's compiled ops; an mmcv without them (mmcv-lite, as
    # tools/device_check.sh carries) still runs pre-training and the store
    warnings.warn('ToyWorldSegDataset is not registered: mmseg does not '
                  f'import ({type(e).__name__}: {e}); segmentation transfer '
                  'needs mmcv with its ops (docs/stack.md)')
    ToyWorldSegDataset = None
from .writers import (TOYWORLD_PRESETS, TOYWORLD_VERSION, class_folder,
                      generate_toyworld, resolve_params)

__all__ = [
    'TOYWORLD_CLASSES', 'TOYWORLD_COLOURS', 'TOYWORLD_PALETTE',
    'TOYWORLD_PRESETS', 'TOYWORLD_SHAPES', 'TOYWORLD_VERSION',
    'ToyWorldCaptionDataset', 'ToyWorldSegDataset', 'class_folder',
    'decode_polygons', 'generate_toyworld', 'render_cls_image', 'render_scene',
    'resolve_params'
]
