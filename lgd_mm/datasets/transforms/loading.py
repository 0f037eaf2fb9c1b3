"""Image loading that names the file it cannot decode."""
import logging
import os.path as osp
from typing import Optional

from mmcv.transforms import LoadImageFromFile as _MMCVLoadImageFromFile
from mmengine.logging import print_log

from lgd_mm.registry import TRANSFORMS


class BadImageError(ValueError):
    """An image file is empty, truncated or not an image."""


# Registered under mmcv's name too, so every pipeline built in the lgd_mm
# scope gets the clear error without config changes; behaviour on good
# images and all arguments are mmcv's.
@TRANSFORMS.register_module(
    name=['CheckedLoadImageFromFile', 'LoadImageFromFile'])
class CheckedLoadImageFromFile(_MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with a clear error for bad files.

    mmcv reports a zero-byte file as an OpenCV assertion without the file
    name. Here any file that cannot be read or decoded (empty, truncated,
    not an image) raises :class:`BadImageError` naming the file and its
    size; with ``skip_bad_images=True`` it is skipped instead (the data set
    then draws another sample, mmengine's ``BaseDataset`` refetch) and the
    number of skipped files of this loader process is logged.

    Args:
        skip_bad_images (bool): Skip bad files instead of failing. Training
            only: evaluation data sets cannot skip samples. Defaults to
            False.
        **kwargs: Arguments of mmcv's ``LoadImageFromFile`` (``to_float32``,
            ``color_type``, ``imdecode_backend``, ``backend_args``, ...).
    """
    #: Files skipped so far in this process (each loader worker counts its
    #: own).
    num_skipped = 0

    def __init__(self, skip_bad_images: bool = False, **kwargs):
        kwargs.setdefault('ignore_empty', False)
        super().__init__(**kwargs)
        self.skip_bad_images = skip_bad_images

    def transform(self, results: dict) -> Optional[dict]:
        filename = results['img_path']
        try:
            return super().transform(results)
        except Exception as e:  # mmcv raises cv2.error / AssertionError
            reason = f'{type(e).__name__}: {str(e).strip()}'
        size = (f'{osp.getsize(filename)} bytes'
                if osp.isfile(filename) else 'missing')
        msg = f'cannot decode image {filename} ({size}; {reason})'
        if self.skip_bad_images:
            CheckedLoadImageFromFile.num_skipped += 1
            print_log(
                f'skipped bad image: {msg} '
                f'[{CheckedLoadImageFromFile.num_skipped} skipped by this '
                'loader process]',
                logger='current',
                level=logging.WARNING)
            return None
        raise BadImageError(
            f'{msg}. Expected a readable image: replace or remove the file, '
            'or set skip_bad_images=True in the LoadImageFromFile step of '
            'the train pipeline to skip such files.')

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] +
                f', skip_bad_images={self.skip_bad_images})')
