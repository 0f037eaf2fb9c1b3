"""Installs lgd_mm. Use ``bash tools/install.sh`` for the pinned stack."""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup


def read_requirements(fname):
    """Requirement lines of ``requirements/<fname>`` (comments, -r lines skipped)."""
    path = osp.join(osp.dirname(__file__), 'requirements', fname)
    with open(path) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.strip() and not line.startswith(('#', '-'))
        ]


def get_version():
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'lgd_mm', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


# What the package carries under lgd_mm/.mim (the OpenMMLab layout that
# mim and lgd_mm.utils.config_paths read), relative to this folder.
MIM_FILES = ('configs', 'model-index.yml')


def add_mim_extension() -> bool:
    """Put the configs inside the package before it is built.

    Building a wheel or sdist copies ``configs/`` and ``model-index.yml`` to
    ``lgd_mm/.mim/`` (removed again after the build, so that the checkout
    never holds a stale copy); ``setup.py develop`` links them instead.
    Editable installs through pip need neither: a package inside a checkout
    reads the checkout's configs. Returns whether a copy was made.
    """
    if 'develop' in sys.argv:
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'build_py'} & set(sys.argv):
        mode = 'copy'
    else:
        return False
    here = osp.dirname(osp.abspath(__file__))
    mim = osp.join(here, 'lgd_mm', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(here, name), osp.join(mim, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if not osp.exists(src):
            continue
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst,
                            ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copyfile(src, dst)
    return mode == 'copy'


COPIED = add_mim_extension()

setup(
    name='lgd_mm',
    version=get_version(),
    description='Language-guided distillation of lightweight vision backbones '
    'on the OpenMMLab stack',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    python_requires='>=3.10',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    include_package_data=True,
    package_data={
        'lgd_mm': [
            'vocabularies/*.txt', 'models/teachers/model_configs/*.json',
            '.mim/model-index.yml',
            '.mim/configs/**/*.py', '.mim/configs/**/*.yml',
            '.mim/configs/**/*.md'
        ]
    },
    install_requires=read_requirements('runtime.txt') +
    read_requirements('mminstall.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'optional': read_requirements('optional.txt'),
    },
    license='Apache License 2.0',
    zip_safe=False,
)
if COPIED:
    shutil.rmtree(osp.join(osp.dirname(osp.abspath(__file__)), 'lgd_mm', '.mim'))
