from .backbone_teacher import MMPretrainTeacher
from .clip import CLIPTeacher
from .factory import create_clip_model, module_fingerprint
from .stored import StoredTeacher

__all__ = [
    'CLIPTeacher', 'create_clip_model', 'module_fingerprint',
    'MMPretrainTeacher', 'StoredTeacher'
]
