"""Draw a seeded, fixed-size-per-class subset of a classification set.

Used for the 1% / 10% ImageNet label subsets (13 / 128 images per class)
and the Caltech-256 split (60 training images per class, the rest for
validation). The source is an mmpretrain annotation file (``path label``
lines, e.g. ``data/imagenet/meta/train.txt``) or a folder of class folders
(labels follow the sorted class names). Each class draws from its own
``numpy.random.default_rng([seed, label])`` over its sorted file list, so
the same seed gives the same files on any machine and in any class order.
The output lists ``path label`` lines (mmpretrain's format; paths as in the
source) and a ``.json`` sidecar records seed, counts and a checksum.

Examples::

    python tools/make_subset.py data/imagenet/meta/train.txt \\
        data/imagenet/meta/train_13pc_seed0.txt --per-class 13 --seed 0
    python tools/make_subset.py data/caltech256/256_ObjectCategories \\
        data/caltech256/meta/train_60pc_seed0.txt --per-class 60 --seed 0 \\
        --exclude clutter --rest data/caltech256/meta/val_60pc_seed0.txt
"""
import argparse
import hashlib
import json
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.pgm', '.tif',
                  '.tiff', '.webp')
Item = Tuple[str, int]


def _excluded(name: str, exclude: Sequence[str]) -> bool:
    return any(pat.lower() in name.lower() for pat in exclude)


def scan_folder(root: str, exclude: Sequence[str] = ()) -> List[Item]:
    """``(class/file, label)`` of every image under ``root/<class>/``;
    classes whose name contains an ``exclude`` pattern are skipped and the
    others numbered in sorted order."""
    classes = sorted(
        d for d in os.listdir(root)
        if osp.isdir(osp.join(root, d)) and not _excluded(d, exclude))
    if not classes:
        raise ValueError(f'no class folders under {root}')
    items = []
    for label, cls in enumerate(classes):
        for dirpath, _, files in os.walk(osp.join(root, cls)):
            for name in files:
                if name.lower().endswith(IMG_EXTENSIONS):
                    rel = osp.relpath(osp.join(dirpath, name), root)
                    items.append((rel.replace(os.sep, '/'), label))
    return items


def read_ann_file(path: str, exclude: Sequence[str] = ()) -> List[Item]:
    """``(path, label)`` lines of an mmpretrain annotation file (labels are
    kept; ``exclude`` drops classes by their folder name)."""
    items = []
    with open(path, encoding='utf-8') as f:
        for num, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            rel, sep, label = line.rpartition(' ')
            if not sep or not label.lstrip('-').isdigit():
                raise ValueError(f'{path}:{num}: expected "path label", '
                                 f'got {line!r}')
            if not _excluded(rel.split('/')[0], exclude):
                items.append((rel, int(label)))
    return items


def draw_subset(items: Sequence[Item], per_class: int,
                seed: int) -> Tuple[List[Item], List[Item]]:
    """``(chosen, rest)``: exactly ``per_class`` items of every label.

    Raises:
        ValueError: If a class has fewer than ``per_class`` items.
    """
    if per_class < 1:
        raise ValueError(f'per_class must be >= 1, got {per_class}')
    by_label: Dict[int, List[str]] = defaultdict(list)
    for rel, label in items:
        by_label[label].append(rel)
    short = {lb: len(v) for lb, v in by_label.items() if len(v) < per_class}
    if short:
        raise ValueError(
            f'{len(short)} classes have fewer than {per_class} '
            f'images (label: count): {dict(sorted(short.items())[:10])}')
    chosen, rest = [], []
    for label in sorted(by_label):
        files = sorted(by_label[label])
        rng = np.random.default_rng([seed, label])
        pick = set(rng.choice(len(files), per_class, replace=False).tolist())
        for i, rel in enumerate(files):
            (chosen if i in pick else rest).append((rel, label))
    return chosen, rest


def write_list(path: str, items: Sequence[Item]) -> str:
    """Write ``path label`` lines; returns their sha256."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    text = ''.join(f'{rel} {label}\n' for rel, label in items)
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    return hashlib.sha256(text.encode()).hexdigest()


def make_subset(
    src: str,
    out: str,
    per_class: int,
    seed: int = 0,
    rest: Optional[str] = None,
    exclude: Sequence[str] = ()) -> dict:
    """Write the subset (and optionally the rest) of ``src``; returns the
    summary also written to ``out + '.json'``."""
    items = (
        scan_folder(src, exclude) if osp.isdir(src) else read_ann_file(
            src, exclude))
    chosen, others = draw_subset(items, per_class, seed)
    summary = dict(
        source=osp.abspath(src),
        seed=seed,
        per_class=per_class,
        exclude=list(exclude),
        num_classes=len({label
                         for _, label in items}),
        num_source=len(items),
        num_subset=len(chosen),
        subset_sha256=write_list(out, chosen))
    if rest:
        summary.update(
            rest=osp.abspath(rest),
            num_rest=len(others),
            rest_sha256=write_list(rest, others))
    with open(out + '.json', 'w', encoding='utf-8') as f:
        json.dump(summary, f, indent=2, sort_keys=True)
    return summary


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='annotation file or class-folder root')
    parser.add_argument('out', help='output annotation file')
    parser.add_argument(
        '--per-class',
        type=int,
        required=True,
        help='images per class (13 = 1%%, 128 = 10%% of '
        'ImageNet; 60 for Caltech-256)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--rest', help='also write the unchosen images here')
    parser.add_argument(
        '--exclude',
        nargs='+',
        default=[],
        help='skip classes whose folder name contains any '
        'of these (e.g. clutter)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    summary = make_subset(args.src, args.out, args.per_class, args.seed,
                          args.rest, args.exclude)
    print(json.dumps(summary, indent=2, sort_keys=True))


if __name__ == '__main__':
    main()
