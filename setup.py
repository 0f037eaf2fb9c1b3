"""Installs lgd_mm. Use ``bash tools/install.sh`` for the pinned stack."""
import os.path as osp

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
    package_data={'lgd_mm': ['vocabularies/*.txt', '.mim/configs/**/*']},
    install_requires=read_requirements('runtime.txt') +
    read_requirements('mminstall.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'optional': read_requirements('optional.txt'),
    },
    license='Apache License 2.0',
    zip_safe=False,
)
