"""Shared fixtures: small real datasets written once per test session."""
import os

import pytest

# No network at test time: open_clip/hf lookups must fail fast.
os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')


@pytest.fixture(scope='session')
def toyworld(tmp_path_factory):
    """ToyWorld 'ci' preset: class folders, COCO json and ADE layout."""
    from lgd_mm.datasets.toyworld import generate_toyworld
    root = tmp_path_factory.mktemp('toyworld')
    generate_toyworld(str(root), seed=0, preset='ci', progress=False)
    return root


@pytest.fixture(autouse=True)
def lgd_mm_default_scope():
    """Each test starts in the lgd_mm scope; Runners a test builds set their
    own (mmdet, mmseg, ...) and this undoes it afterwards."""
    from mmengine.registry import DefaultScope

    import lgd_mm.utils  # noqa: F401
    with DefaultScope.overwrite_default_scope('lgd_mm'):
        yield


@pytest.fixture
def mm_log():
    """Messages that ``print_log(..., logger='current')`` writes during the
    test, as one string (mmengine's handlers hold the original streams,
    which capsys does not see)."""
    import logging

    from mmengine.logging import MMLogger

    class _Collect(logging.Handler):

        def __init__(self):
            super().__init__()
            self.lines = []

        def emit(self, record):
            self.lines.append(record.getMessage())

    handler = _Collect()
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)

    class _Text:

        @property
        def text(self):
            return '\n'.join(handler.lines)

    try:
        yield _Text()
    finally:
        logger.removeHandler(handler)
