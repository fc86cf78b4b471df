import os.path as osp
from setuptools import find_packages, setup


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
        lint=read_requirements('lint.txt')),
    license='Apache License 2.0',
    zip_safe=False)
