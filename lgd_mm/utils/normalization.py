"""Image normalisations, in mmpretrain's 0-255 pixel scale.

Derived once from open_clip's constants (``OPENAI_DATASET_*`` for CLIP,
``IMAGENET_*`` for torchvision/mmpretrain supervised weights), so every
piece of lgd_mm that needs them (exports, speed benchmark, toy teacher)
reads these and configs write the same rounded numbers. Kept in utils,
below models, datasets and benchmark, which all use them.
"""
from open_clip.constants import (IMAGENET_MEAN, IMAGENET_STD,
                                 OPENAI_DATASET_MEAN, OPENAI_DATASET_STD)

__all__ = ['CLIP_NORM', 'IMAGENET_NORM']


def _pixels(values) -> list:
    return [round(v * 255, 3) for v in values]


#: CLIP's mean/std: what every distilled student is trained with.
CLIP_NORM = dict(
    mean=_pixels(OPENAI_DATASET_MEAN), std=_pixels(OPENAI_DATASET_STD))
#: ImageNet's mean/std: torchvision and mmpretrain supervised weights.
IMAGENET_NORM = dict(mean=_pixels(IMAGENET_MEAN), std=_pixels(IMAGENET_STD))
