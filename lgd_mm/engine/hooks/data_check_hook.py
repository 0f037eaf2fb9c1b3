"""Refuse data that cannot give a meaningful run, before the first step."""
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lgd_mm.models.banks.queue import InstanceQueue
from lgd_mm.registry import HOOKS
from lgd_mm.vocabularies import normalize_class_name


def _describe(key: str, dataset) -> str:
    """``key`` plus where the data set reads from, for error messages."""
    inner = getattr(dataset, 'dataset', dataset)  # dataset wrappers
    parts = [type(inner).__name__]
    for attr in ('data_root', 'ann_file', 'data_prefix'):
        value = getattr(inner, attr, None)
        if value:
            parts.append(f'{attr}={value!r}')
    return f'{key}.dataset ({", ".join(parts)})'


def _num_classes(dataset) -> Tuple[Optional[int], bool]:
    """``(max(gt_label) + 1, exact)`` of a labelled data set; ``(None,
    False)`` when it has no labels.

    ``exact`` says the count is the data set's class count: its
    ``metainfo['classes']`` ends at the highest label. ``metainfo`` alone is
    not trusted (mmpretrain's ``ImageNet`` keeps its 1000 default names for
    any annotation file), nor are labels alone (a subset may miss the last
    classes).
    """
    get_labels = getattr(dataset, 'get_gt_labels', None)
    try:
        labels = get_labels() if get_labels is not None else []
    except (KeyError, TypeError, AttributeError):  # unlabelled
        labels = []
    if len(labels) == 0:
        return None, False
    top = int(max(labels)) + 1
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    return top, classes is not None and len(classes) == top


# ImageNet-style synset folders (n01440764) name no class
_SYNSET = re.compile(r'^n\d{8}$')


def _folder_class_names(dataset) -> Optional[Dict[int, str]]:
    """``{label: folder}`` of a class-folder layout: the one folder each
    present label's images sit in, when labels and folders pair one to one
    (else None). A subset may miss labels."""
    get_info = getattr(dataset, 'get_data_info', None)
    if get_info is None or len(dataset) == 0:
        return None
    folders: Dict[int, str] = {}
    for i in range(len(dataset)):
        info = get_info(i)
        if not isinstance(info, dict):
            return None
        path, label = info.get('img_path'), info.get('gt_label')
        if path is None or label is None:
            return None
        folder = osp.basename(osp.dirname(str(path)))
        if folders.setdefault(int(label), folder) != folder:
            return None  # one label in several folders: not class folders
    names = list(folders.values())
    if len(set(names)) != len(names) or any(_SYNSET.match(n) for n in names):
        return None
    return folders


def eval_class_names(dataset) -> Tuple[Optional[Dict[int, str]], bool, str]:
    """``(names by label, complete, source)`` of a labelled data set's
    classes, or ``(None, False, '')`` when it carries no trustworthy names.

    ``metainfo['classes']`` (complete) counts when it is not just the data
    set type's default list (mmpretrain's ``ImageNet`` keeps its 1000 names
    for any annotation file); otherwise the image folders of a class-folder
    layout name the labels present.
    """
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    default = (getattr(type(dataset), 'METAINFO', None) or {}).get('classes')
    if classes and (default is None or tuple(classes) != tuple(default)):
        return dict(enumerate(classes)), True, 'metainfo classes'
    names = _folder_class_names(dataset)
    if names is not None:
        return names, False, 'image folder names'
    return None, False, ''


def _comparable(name: str) -> str:
    """A class name compared case-, ``_``/``-``/space- and
    whitespace-insensitively."""
    return normalize_class_name(str(name)).lower()


def _mismatch(num: Optional[int], exact: bool, expected: int) -> bool:
    return num is not None and (num > expected or exact and num != expected)


@HOOKS.register_module()
class DataCheckHook(Hook):
    """Check the data loaders against each other and the model before the
    first iteration (and before evaluation-only runs), so that a bad input
    fails in seconds with a message naming the config key, not after hours
    or silently:

    * an empty data set (empty split, empty annotation file, ``indices=0``)
      or a train loader that yields no batch (fewer samples than
      ``batch_size`` with ``drop_last=True``);
    * zero-shot evaluation whose text-bank vocabulary has another number of
      classes than the labelled val/test set, or other names than its
      classes (``metainfo['classes']`` when set for the data, else the
      class folders; compared ignoring case, ``_``/space, whitespace): its
      labels would index the wrong columns; a classifier head whose
      ``num_classes`` differs from the train set's;
    * a queue (SEED, BINGO, DisCo) whose size is not a multiple of the
      global batch (``train_dataloader.batch_size`` x ranks), which
      ``InstanceQueue.enqueue`` would reject at the first step.
    """
    priority = 'VERY_HIGH'

    def __init__(self):
        self._checked = set()

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(
            runner.model) else runner.model

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        self._check_not_empty('train_dataloader', loader)
        model = self._model(runner)
        self._check_head(model, loader.dataset)
        self._check_queues(model, loader.batch_size)
        if runner.val_loop is not None:
            self._check_eval('val_dataloader', runner.val_loop, model)

    def before_val(self, runner) -> None:
        self._check_eval('val_dataloader', runner.val_loop,
                         self._model(runner))

    def before_test(self, runner) -> None:
        self._check_eval('test_dataloader', runner.test_loop,
                         self._model(runner))

    def _check_eval(self, key: str, loop, model) -> None:
        if key in self._checked:
            return
        self._checked.add(key)
        loader = loop.dataloader
        self._check_not_empty(key, loader)
        bank = getattr(model, 'text_bank', None)
        if bank is None:
            return
        num, exact = _num_classes(loader.dataset)
        if not _mismatch(num, exact, bank.num_classes):
            self._check_vocab_names(key, loader.dataset, bank)
            return
        raise ValueError(
            f'zero-shot evaluation over a vocabulary of {bank.num_classes} '
            f'classes (model.text_bank.vocab={bank.meta["vocab"]!r}) on '
            f'{_describe(key, loader.dataset)} whose labels go up to '
            f'{num - 1} ({num} classes): the labels would index the wrong '
            'bank columns. Expected the vocabulary of the evaluation set '
            '(e.g. its classnames file).')

    @staticmethod
    def _check_vocab_names(key: str, dataset, bank) -> None:
        """The vocabulary must list the evaluation set's classes, in its
        label order: an inserted or renamed entry shifts or mislabels the
        bank columns the labels index."""
        inner = getattr(dataset, 'dataset', dataset)
        names, complete, source = eval_class_names(inner)
        if names is None:
            return
        vocab = bank.class_names
        diff = None
        for i in sorted(names):
            if i >= len(vocab):
                diff = (f'the data set has classes beyond the vocabulary '
                        f'from index {i} ({names[i]!r} ...)')
                break
            if _comparable(vocab[i]) != _comparable(names[i]):
                diff = (f'first difference at index {i}: {vocab[i]!r} in '
                        f'the vocabulary vs {names[i]!r} in the data set')
                break
        if diff is None and complete and len(vocab) > len(names):
            diff = (f'the vocabulary has extra names from index '
                    f'{len(names)} ({vocab[len(names)]!r} ...)')
        if diff is None:
            return
        count = f'{len(names)} classes' if complete else \
            f'classes ({len(names)} present)'
        raise ValueError(
            f'vocabulary {bank.meta["vocab"]} (model.text_bank.vocab, '
            f'{len(vocab)} names) does not match the {count} of '
            f'{_describe(key, dataset)} ({source}): {diff}. Expected '
            'the evaluation set\'s class names in label order (compared '
            'ignoring case, "_" vs space and whitespace).')

    @staticmethod
    def _check_not_empty(key: str, loader) -> None:
        dataset = loader.dataset
        if len(dataset) == 0:
            raise ValueError(
                f'{_describe(key, dataset)} is empty: no samples were found. '
                'Expected at least one image; check the data root, split '
                'folder, annotation file and `indices`.')
        if len(loader) == 0:
            raise ValueError(
                f'{key} yields no batch: {len(dataset)} samples, batch_size='
                f'{loader.batch_size} with drop_last=True. Expected at least '
                f'batch_size samples per rank; lower {key}.batch_size or '
                'add data.')

    @staticmethod
    def _check_head(model, dataset) -> None:
        num = getattr(getattr(model, 'head', None), 'num_classes', None)
        if num is None:
            return
        labels, exact = _num_classes(dataset)
        if not _mismatch(labels, exact, num):
            return
        raise ValueError(
            f'model.head.num_classes={num} but the labels of '
            f'{_describe("train_dataloader", dataset)} go up to {labels - 1}'
            f' ({labels} classes). Expected equal numbers: set '
            'model.head.num_classes to the number of classes of the data '
            'set.')

    @staticmethod
    def _check_queues(model, batch_size: int) -> None:
        world = get_world_size()
        batch = batch_size * world
        for name, module in model.named_modules():
            if isinstance(module, InstanceQueue) and module.size % batch:
                raise ValueError(
                    f'model.{name} (InstanceQueue) has {module.size} entries, '
                    f'not a multiple of the global batch {batch} '
                    f'(train_dataloader.batch_size={batch_size} x {world} '
                    'ranks): every step '
                    'writes one global batch of keys. Expected queue_size % '
                    f'{batch} == 0; change model.queue_size, the batch size '
                    'or the number of GPUs.')
