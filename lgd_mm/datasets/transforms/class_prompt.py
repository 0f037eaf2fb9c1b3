"""Pair an image with its caption or with a prompt of its class."""
from typing import Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from lgd_mm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomClassPrompt(BaseTransform):
    """Set ``text`` to the caption or, with probability ``prob``, to a
    random template filled with the class name.

    Training a CLIP on captions plus the prompts that its Textual Semantics
    Bank later encodes (method §1.2) lets the text tower see both wordings
    ("a striped red star on a noisy background." / "a sculpture of a red
    star.").

    Required keys: ``caption``, ``class_name``. Added key: ``text``.

    Args:
        prob (float): Probability of a class prompt instead of the caption.
            Defaults to 0.5.
        templates (str | Sequence[str]): ``'openai_imagenet'`` (80 prompts),
            ``'simple'`` or a list of format strings with ``{}``. Defaults
            to 'openai_imagenet'.
    """

    def __init__(self,
                 prob: float = 0.5,
                 templates: Union[str, Sequence[str]] = 'openai_imagenet'):
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        # imported here: the models package imports the datasets package
        from lgd_mm.models.banks.text_bank import (fill_template,
                                                   resolve_templates)
        self._fill = fill_template
        self.prob = prob
        self.templates = resolve_templates(templates)

    def transform(self, results: dict) -> dict:
        # numpy's global RNG, like mmcv's random transforms: seeded by the
        # Runner and per loader worker
        if np.random.rand() < self.prob:
            template = self.templates[np.random.randint(len(self.templates))]
            results['text'] = self._fill(template, results['class_name'])
        else:
            results['text'] = results['caption']
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'templates={len(self.templates)})')
