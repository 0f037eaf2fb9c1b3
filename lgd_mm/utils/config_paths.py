"""Where lgd_mm's configs live, in a wheel and in a checkout.

The configs ship inside the package, in the ``.mim`` layout of mmpretrain
and mmdet: ``setup.py`` copies ``configs/`` (and ``model-index.yml``) to
``lgd_mm/.mim/`` when a wheel is built, and links them there for an
editable install. Library code resolves every config through
:func:`config_path`, never through the repository checkout, so that an
installed wheel runs the same benchmarks as the checkout.
"""
import os.path as osp

__all__ = ['config_root', 'config_path', 'package_root']

_PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))


def package_root() -> str:
    """The ``lgd_mm`` package folder."""
    return _PACKAGE


def config_root() -> str:
    """The folder holding the project's configs.

    The checkout's ``configs/`` when the package runs from a source tree
    (``setup.py`` next to it: editable installs, tests), so edits are seen
    at once; otherwise ``lgd_mm/.mim/configs``, which an installed wheel
    carries.

    Raises:
        FileNotFoundError: Neither exists, e.g. a wheel built without
            the ``.mim`` files.
    """
    checkout = osp.dirname(_PACKAGE)
    if osp.isfile(osp.join(checkout, 'setup.py')) and osp.isdir(
            osp.join(checkout, 'configs')):
        return osp.join(checkout, 'configs')
    packaged = osp.join(_PACKAGE, '.mim', 'configs')
    if osp.isdir(packaged):
        return packaged
    raise FileNotFoundError(
        f'lgd_mm configs not found: neither {_PACKAGE}/.mim/configs nor '
        f'a checkout at {checkout} exists; reinstall lgd_mm (pip install .) '
        'so that its configs are packaged')


def config_path(*parts: str) -> str:
    """Absolute path of a config given relative to ``configs/``.

    Example: ``config_path('benchmarks', 'mmdet', 'x.py')``. An absolute
    path is returned unchanged.

    Raises:
        FileNotFoundError: The file does not exist (names the path).
    """
    path = osp.join(*parts) if parts else ''
    if not osp.isabs(path):
        path = osp.join(config_root(), path)
    if not osp.exists(path):
        raise FileNotFoundError(f'lgd_mm config {path} does not exist')
    return path
