from .backbone_teacher import MMPretrainTeacher
from .clip import CLIPTeacher
from .factory import create_clip_model, module_fingerprint

__all__ = [
    'CLIPTeacher', 'create_clip_model', 'module_fingerprint',
    'MMPretrainTeacher'
]
from .toy_clip import (TOY_CLIP_MODEL, export_toy_clip,  # noqa: E402
                       get_toy_teacher, toy_clip_zero_shot, train_toy_clip)

__all__ += [
    'TOY_CLIP_MODEL', 'export_toy_clip', 'get_toy_teacher',
    'toy_clip_zero_shot', 'train_toy_clip'
]
