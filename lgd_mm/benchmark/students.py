"""The students, as ``configs/_base_/students/<id>.py`` describe them.

Each student (``r18``, ``mbv2``, ``mbv3-l``, ``effb0``) is described once,
in its config file: id, paper name, pre-training backbone and projector
width, transfer backbone and widths. Pre-training and transfer configs
compose it with ``_base_``; library code reads it here. The id is the one
spelling used by config names, records and command lines; the paper name
(``ResNet-18``) is only for display.
"""
import copy
import functools
import glob
import os.path as osp
from typing import Dict, List

from mmengine.config import Config

from lgd_mm.utils.config_paths import config_path, config_root

__all__ = [
    'student_ids', 'load_student', 'student_name', 'student_id',
    'with_student'
]

_DIR = ('_base_', 'students')


def student_ids() -> List[str]:
    """Ids of every described student, in ``student_rank`` order (as the
    papers' tables list them)."""
    files = glob.glob(osp.join(config_root(), *_DIR, '*.py'))
    ids = [osp.splitext(osp.basename(f))[0] for f in files]
    return sorted(ids, key=lambda s: (_load(s).get('student_rank', 99), s))


@functools.lru_cache(maxsize=None)
def _load(student: str) -> Config:
    return Config.fromfile(config_path(*_DIR, f'{student}.py'))


def load_student(student: str) -> Dict:
    """The description of one student.

    Args:
        student (str): Student id, e.g. ``'r18'``.

    Returns:
        dict: ``id``, ``name``, ``rank``, ``torchvision``,
        ``pretrain_backbone``,
        ``feat_dim``, ``backbone`` (transfer), ``channels``,
        ``aux_channels``, ``cls_backbone``; backbone dicts without
        ``_delete_``.

    Raises:
        KeyError: Unknown id (lists the known ones).
    """
    known = student_ids()
    if student not in known:
        raise KeyError(f'unknown student {student!r}; described students '
                       f'(configs/_base_/students/*.py): {known}')
    cfg = _load(student).to_dict()
    out = {
        key[len('student_'):]: value
        for key, value in cfg.items() if key.startswith('student_')
    }
    for key in ('pretrain_backbone', 'backbone', 'cls_backbone'):
        out[key] = {k: v for k, v in out[key].items() if k != '_delete_'}
    if out['id'] != student:
        raise ValueError(f'configs/_base_/students/{student}.py declares '
                         f"student_id={out['id']!r}; it must equal the file "
                         'name')
    return out


def student_name(student: str) -> str:
    """Display name of a student id (``r18`` -> ``ResNet-18``); unknown ids
    are returned unchanged."""
    try:
        return load_student(student)['name']
    except KeyError:
        return student


def student_id(name: str) -> str:
    """Student id of an id or a display name (``ResNet-18`` -> ``r18``);
    unknown names are returned unchanged."""
    for sid in student_ids():
        if name in (sid, load_student(sid)['name']):
            return sid
    return name


def with_student(model: dict, student: str) -> dict:
    """A pre-training model config with another student swapped in.

    What ``_base_ = [..., '../_base_/students/<id>.py']`` with
    ``backbone={{_base_.student_pretrain_backbone}}`` does in a config
    file, for code that builds models directly (the speed benchmark): the
    backbone is replaced and the projector's input and hidden widths
    follow the student's feature width.
    """
    desc = load_student(student)
    model = copy.deepcopy(model)
    model['backbone'] = copy.deepcopy(desc['pretrain_backbone'])
    model['neck'].update(
        in_channels=desc['feat_dim'], hid_channels=desc['feat_dim'])
    return model
