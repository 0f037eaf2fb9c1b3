"""Primitives that describe a trained model in its checkpoint ``meta``."""
from torch import nn


def normalization_meta(preprocessor: nn.Module) -> dict:
    """``mean`` / ``std`` (0-255 RGB lists) of a data preprocessor.

    Args:
        preprocessor (nn.Module): An mmengine / mmpretrain data
            preprocessor.

    Returns:
        dict: ``{'mean': [...], 'std': [...]}``, or ``{}`` when the
        preprocessor does not normalise.
    """
    if not getattr(preprocessor, '_enable_normalize', False):
        return {}
    return dict(
        mean=[round(float(v), 4) for v in preprocessor.mean.flatten()],
        std=[round(float(v), 4) for v in preprocessor.std.flatten()])


def generic_model_meta(model: nn.Module) -> dict:
    """Meta of a model that has no ``checkpoint_meta()`` of its own (e.g. an
    mmpretrain ``ImageClassifier`` of a supervised reference row)."""
    meta = dict(algorithm=type(model).__name__)
    backbone = getattr(model, 'backbone', None)
    if backbone is not None:
        meta['student'] = type(backbone).__name__
    pre = getattr(model, 'data_preprocessor', None)
    if pre is not None:
        meta.update(normalization_meta(pre))
    return meta
