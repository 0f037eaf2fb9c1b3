"""ToyWorld image-caption pairs (``cls/captions_{split}.tsv``)."""
import csv
import os.path as osp
from typing import List, Optional, Sequence, Union

from mmpretrain.datasets import BaseDataset

from lgd_mm.registry import DATASETS
from .writers import class_folder


@DATASETS.register_module()
class ToyWorldCaptionDataset(BaseDataset):
    """The ToyWorld class-folder images with their generator captions.

    Each sample holds ``img_path``, ``gt_label``, ``caption`` (e.g. "a
    striped red star on a noisy background.") and ``class_name`` (e.g. "red
    star"), so a pipeline can pair an image with its caption or with a
    prompt of its class (:class:`RandomClassPrompt`).

    Args:
        data_root (str): The ``cls`` folder of a ToyWorld root.
        ann_file (str): Caption table relative to ``data_root``:
            ``'captions_train.tsv'`` or ``'captions_val.tsv'``.
        classes (str | Sequence[str], optional): Class names in label order
            or a file of them. Defaults to ``classnames.txt`` next to
            ``data_root``.
        **kwargs: Other arguments of mmpretrain's ``BaseDataset``
            (``pipeline``, ``indices``, ``test_mode`` ...).
    """

    def __init__(self,
                 data_root: str,
                 ann_file: str = 'captions_train.tsv',
                 classes: Union[str, Sequence[str], None] = None,
                 **kwargs):
        if classes is None:
            classes = osp.join(
                osp.dirname(osp.normpath(data_root)), 'classnames.txt')
        if isinstance(classes, str) and not osp.isfile(classes):
            raise FileNotFoundError(
                f'{classes} not found; is {data_root} the cls folder of a '
                'ToyWorld root (tools/toyworld.py --out ...)?')
        super().__init__(
            ann_file=ann_file, data_root=data_root, classes=classes, **kwargs)

    def load_data_list(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{self.ann_file} not found; is {self.data_root} the cls '
                'folder of a ToyWorld root?')
        names = list(self.CLASSES)
        label_of = {class_folder(n): i for i, n in enumerate(names)}
        data_list = []
        with open(self.ann_file, encoding='utf-8', newline='') as f:
            for row in csv.DictReader(f, delimiter='\t'):
                rel = row['filepath']
                folder = rel.split('/')[-2]
                if folder not in label_of:
                    raise ValueError(f'{self.ann_file}: folder {folder!r} '
                                     f'of {rel} is not a class of {names}')
                label = label_of[folder]
                data_list.append(
                    dict(
                        img_path=osp.join(self.data_root, rel),
                        gt_label=label,
                        caption=row['caption'],
                        class_name=names[label]))
        return data_list

    def extra_repr(self) -> Optional[List[str]]:
        return [f'Caption table: \t{self.ann_file}']
