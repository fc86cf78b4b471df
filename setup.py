import os
import os.path as osp
import shutil
import sys
import warnings
from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
#: What ships inside the package for ``mim`` (``cmkd_mm/.mim/``): ``mim train/test cmkd_mm``
#: run ``.mim/tools/{train,test}.py``, ``mim download`` reads ``.mim/model-index.yml`` and the
#: configs it names.
MIM_FILES = ('tools', 'configs', 'model-index.yml')


def read_requirements(name):
    path = osp.join(osp.dirname(__file__), 'requirements', name)
    reqs = []
    with open(path) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line and not line.startswith('-r'):
                reqs.append(line)
    return reqs


def get_version():
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'cmkd_mm', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def add_mim_extension():
    """Put the tools, configs and model index into ``cmkd_mm/.mim`` the OpenMMLab way.

    An editable install (``pip install -e .``, ``setup.py develop``) links them, so edits show
    at once; building a wheel or sdist copies them. Other commands leave ``.mim`` as it is.
    """
    commands = set(sys.argv[1:])
    if commands & {'develop', 'editable_wheel'}:
        mode = 'symlink'
    elif commands & {'sdist', 'bdist_wheel', 'build', 'build_py', 'install'}:
        mode = 'copy'
    else:
        return
    mim_dir = osp.join(ROOT, 'cmkd_mm', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(ROOT, name), osp.join(mim_dir, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            try:
                os.symlink(osp.relpath(src, mim_dir), dst, target_is_directory=osp.isdir(src))
                continue
            except OSError:
                warnings.warn(f'could not link {dst}; copying {name} instead')
        if osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


add_mim_extension()
setup(
    name='cmkd_mm',
    version=get_version(),
    description='Cross-modal knowledge distillation for the OpenMMLab ecosystem',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt') + ['mmcv==2.1.0'],
    extras_require=dict(
        tests=read_requirements('tests.txt'),
        deploy=read_requirements('deploy.txt'),
        lint=read_requirements('lint.txt'),
        tracking=read_requirements('tracking.txt')),
    include_package_data=True,
    license='Apache License 2.0',
    zip_safe=False)
