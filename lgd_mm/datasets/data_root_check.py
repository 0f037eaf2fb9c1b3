"""Check that the folders and files a config's data sets read exist, before
anything is built."""
import os.path as osp
from typing import Iterator, Sequence, Tuple

from mmengine.config import Config

__all__ = ['check_data_roots']


def _datasets(key: str, dataset) -> Iterator[Tuple[str, dict]]:
    """``(config key, dataset dict)`` of a dataset and the ones it wraps."""
    while isinstance(dataset, dict):
        yield key, dataset
        key, dataset = f'{key}.dataset', dataset.get('dataset')


def _is_local(path: str) -> bool:
    return '://' not in path


def check_data_roots(cfg: Config, keys: Sequence[str]) -> None:
    """Raise FileNotFoundError naming the config key when a data set's
    ``data_root`` or ``ann_file`` (explicit, or mmpretrain's
    ``meta/<split>.txt``) does not exist, and ValueError when that file is
    empty (an empty split).

    Args:
        cfg (Config): The merged config.
        keys (Sequence[str]): Dataloaders the run uses, e.g.
            ``('train_dataloader', 'val_dataloader')`` for training.
    """
    for loader_key in keys:
        loader = cfg.get(loader_key)
        if not isinstance(loader, dict):
            continue
        for key, dataset in _datasets(f'{loader_key}.dataset',
                                      loader.get('dataset')):
            root = dataset.get('data_root')
            if isinstance(root, str) and root and _is_local(root) and \
                    not osp.isdir(osp.expanduser(root)):
                raise FileNotFoundError(
                    f'{key}.data_root={root!r} does not exist; expected the '
                    f'folder of the {dataset.get("type", "")} data set. Set '
                    f'it with --cfg-options {key}.data_root=PATH.')
            ann = dataset.get('ann_file')
            split = dataset.get('split')
            if not ann and isinstance(split, str) and isinstance(root, str):
                # mmpretrain's ImageNet reads meta/<split>.txt when present
                implicit = osp.join('meta', f'{split}.txt')
                if osp.isfile(osp.join(root, implicit)):
                    ann = implicit
            if not isinstance(ann, str) or not ann or not _is_local(ann):
                continue
            path = ann if osp.isabs(ann) or not isinstance(
                root, str) else osp.join(root, ann)
            path = osp.expanduser(path)
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'{key}.ann_file={ann!r} does not exist (looked for '
                    f'{path}); expected an annotation file of the data set. '
                    f'Set it with --cfg-options {key}.ann_file=PATH.')
            if not path.endswith('.json') and _is_blank(path):
                # mmengine would fail with 'need at least one array to
                # concatenate'
                raise ValueError(
                    f'{key}: annotation file {path} is empty (an empty '
                    'split); expected one sample per line.')


def _is_blank(path: str) -> bool:
    """Whether a text file holds nothing but whitespace."""
    with open(path, 'rb') as f:
        while True:
            chunk = f.read(1 << 16)
            if not chunk:
                return True
            if chunk.strip():
                return False
