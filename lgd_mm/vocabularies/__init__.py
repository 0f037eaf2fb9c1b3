"""Class-name vocabularies for the Textual Semantics Bank (method §1.2).

The shipped files hold the raw names as their sources spell them (one per
line; regenerate with ``tools/misc/gen_vocabularies.py``). Every name is
normalised on load, so a bank built from ``'coco'`` and one built from a user
file with the same classes get the same prompts and the same hash.
"""
import hashlib
import os.path as osp
import re
from typing import Dict, List, Sequence, Union

__all__ = [
    'VOCABULARIES', 'VOCABULARY_ALIASES', 'normalize_class_name',
    'load_vocabulary', 'vocabulary_hash', 'resolve_vocabulary_key'
]

_DIR = osp.dirname(osp.abspath(__file__))

#: Shipped vocabularies: key -> file inside this package.
VOCABULARIES: Dict[str, str] = {
    key: osp.join(_DIR, f'{key}.txt')
    for key in ('imagenet', 'caltech256', 'coco', 'lvis_v1', 'ade20k',
                'cityscapes')
}

#: Other accepted spellings of the shipped keys.
VOCABULARY_ALIASES: Dict[str, str] = {
    'lvis': 'lvis_v1',
    'imagenet1k': 'imagenet',
    'ade': 'ade20k',
}

# Caltech-256 folders: '063.electric-guitar-101' (index prefix, and a '-101'
# suffix on the classes shared with Caltech-101).
_CALTECH_PREFIX = re.compile(r'^\d{3}\.')
_CALTECH_SUFFIX = re.compile(r'-101$')
_SPACES = re.compile(r'\s+')


def normalize_class_name(name: str) -> str:
    """Turn a raw class name into the form used in prompts.

    Rules: strip surrounding whitespace (mmseg's ADE20K has ``'bed '``), drop
    a Caltech ``NNN.`` prefix and ``-101`` suffix, map ``_`` and ``-`` to
    spaces, collapse repeated whitespace. Case is kept.

    Args:
        name (str): Raw class name.

    Returns:
        str: The normalised name (may be empty if ``name`` held nothing).

    Examples:
        >>> normalize_class_name('063.electric-guitar-101')
        'electric guitar'
        >>> normalize_class_name('teddy_bear')
        'teddy bear'
    """
    if not isinstance(name, str):
        raise TypeError(f'class name must be a str, got {type(name)}')
    name = name.strip()
    name = _CALTECH_PREFIX.sub('', name)
    name = _CALTECH_SUFFIX.sub('', name)
    name = name.replace('_', ' ').replace('-', ' ')
    return _SPACES.sub(' ', name).strip()


def resolve_vocabulary_key(name: str) -> str:
    """Canonical shipped key of ``name`` (aliases resolved), else KeyError."""
    key = VOCABULARY_ALIASES.get(name, name)
    if key not in VOCABULARIES:
        raise KeyError(name)
    return key


def _check_names(names: List[str], source: str) -> List[str]:
    """Normalise ``names`` and reject empty or ambiguous vocabularies."""
    normed = [normalize_class_name(n) for n in names]
    normed = [n for n in normed if n]
    if not normed:
        raise ValueError(
            f'vocabulary {source} is empty: expected one class name per line')
    seen: Dict[str, int] = {}
    dups = []
    for i, n in enumerate(normed):
        if n in seen:
            dups.append(f'{n!r} (entries {seen[n] + 1} and {i + 1})')
        else:
            seen[n] = i
    if dups:
        raise ValueError(
            f'vocabulary {source} has duplicate class names after '
            f'normalisation: {", ".join(dups[:10])}'
            f'{" ..." if len(dups) > 10 else ""}; every class needs a '
            'distinct name (its bank column would be ambiguous)')
    return normed


def _read_names(path: str) -> List[str]:
    try:
        with open(path, encoding='utf-8') as f:
            # Only newline separates entries; a trailing space is part of
            # the raw name and is removed by normalisation.
            return [line.rstrip('\r\n') for line in f if line.strip()]
    except UnicodeDecodeError as e:
        raise ValueError(
            f'vocabulary file {path} is not UTF-8 text: byte '
            f'{e.object[e.start:e.start + 1]!r} at offset {e.start} '
            f'({e.reason}). Expected one class name per line in UTF-8; '
            'convert it, e.g. `iconv -f latin1 -t utf-8`.') from None


def load_vocabulary(name_or_path: Union[str, Sequence[str]]) -> List[str]:
    """Load a vocabulary as a list of normalised, unique class names.

    Args:
        name_or_path (str | Sequence[str]): A shipped key (see
            :data:`VOCABULARIES`; ``'lvis'`` is an alias of ``'lvis_v1'``),
            a path to a UTF-8 text file with one class name per line (blank
            lines ignored), or a list of class names.

    Returns:
        List[str]: Normalised class names in file order.

    Raises:
        ValueError: Unknown key, missing file, a file that is not UTF-8,
            empty vocabulary, or names that coincide after normalisation.
    """
    if not isinstance(name_or_path, str):
        return _check_names(list(name_or_path), source='(list of names)')
    try:
        key = resolve_vocabulary_key(name_or_path)
    except KeyError:
        key = None
    if key is not None:
        path = VOCABULARIES[key]
        if not osp.isfile(path):
            raise ValueError(
                f'shipped vocabulary "{key}" is missing its file {path}; '
                'reinstall lgd_mm or run tools/misc/gen_vocabularies.py')
        return _check_names(_read_names(path), source=f'"{key}" ({path})')
    path = osp.expanduser(name_or_path)
    if osp.isfile(path):
        return _check_names(_read_names(path), source=f'file {path}')
    looks_like_path = (
        osp.sep in name_or_path or name_or_path.endswith('.txt'))
    if looks_like_path:
        raise ValueError(
            f'vocabulary file {path} does not exist: expected a text file '
            'with one class name per line')
    known = sorted(VOCABULARIES) + sorted(VOCABULARY_ALIASES)
    raise ValueError(
        f'unknown vocabulary "{name_or_path}": expected one of {known} or a '
        'path to a text file with one class name per line')


def vocabulary_hash(names: Sequence[str]) -> str:
    """sha256 hex digest of a class list (normalised names, in order).

    Identifies the bank's columns in checkpoint metadata: two lists hash
    equal only if they give the same prompts in the same order.

    Args:
        names (Sequence[str]): Class names (raw or normalised).

    Returns:
        str: 64 hex characters.
    """
    h = hashlib.sha256()
    for n in names:
        # A separator that cannot appear in a name keeps ['a b', 'c'] and
        # ['a', 'b c'] apart.
        h.update(normalize_class_name(n).encode('utf-8') + b'\n')
    return h.hexdigest()
