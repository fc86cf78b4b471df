"""docs/custom_pairs.md shows every config of its examples in full, exactly as the repository holds
it (the examples' configs train one iteration in test_all_configs.py), so the walkthrough cannot
drift from the code."""
import glob
import os.path as osp
import re

from ..conftest import ROOT

DOC = osp.join(ROOT, 'docs', 'custom_pairs.md')
BLOCK = re.compile(r'^`((?:configs)/[^`]+\.py)`:\n\n```python\n(.*?)^```$', re.M | re.S)


def _blocks():
    with open(DOC) as f:
        return BLOCK.findall(f.read())


def test_every_shown_config_is_the_repository_file():
    blocks = _blocks()
    assert blocks
    for path, text in blocks:
        with open(osp.join(ROOT, path)) as f:
            assert f.read() == text, f'{path} differs from its block in docs/custom_pairs.md'


def test_every_example_config_is_shown():
    shown = {path for path, _ in _blocks()}
    examples = {
        osp.relpath(p, ROOT)
        for p in glob.glob(osp.join(ROOT, 'configs', 'pairs', '**', '*.py'), recursive=True)
    }
    assert examples and examples <= shown, sorted(examples - shown)
