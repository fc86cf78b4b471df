"""The model index: mim's reader loads it, every config has an entry, every entry's config
exists, and every pretrained reference of the configs resolves on this stack (torchvision://
names to their published URLs, URLs carrying the sha256 prefix they are verified against)."""
import ast
import glob
import os.path as osp
import re

import modelindex

from cmkd_mm.zoo import TORCHVISION_URLS, expected_hash, model_entries
from ..conftest import ROOT

INDEX = osp.join(ROOT, 'model-index.yml')


def _configs():
    files = glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(f, ROOT) for f in files if '/_base_/' not in f and '/recipes/' not in f)


def test_mim_reader_loads_the_index():
    index = modelindex.load(INDEX)
    collections = {c.name for c in index.collections}
    assert len(index.models) >= 30
    for model in index.models:
        assert model.in_collection in collections, model.name
        for result in model.results or []:
            assert result.task and result.dataset and result.metrics, model.name


def test_every_config_has_an_entry_and_every_entry_a_config():
    entries = model_entries(INDEX)
    listed = set()
    for name, entry in entries.items():
        configs = [entry['config']] + list(entry['metadata'].get('Configs', []))
        for config in configs:
            assert osp.isfile(osp.join(ROOT, config)), f'{name}: {config} does not exist'
        listed.update(configs)
    missing = [c for c in _configs() if c not in listed]
    assert not missing, f'configs without a model-index entry: {missing}'


def test_weights_follow_the_openmmlab_name_convention():
    for name, entry in model_entries(INDEX).items():
        if entry['weights']:
            assert expected_hash(entry['weights']), f'{name}: {entry["weights"]} has no hash'


def _strings(path):
    """String constants of a config file (implicitly concatenated literals joined)."""
    return [
        node.value for node in ast.walk(ast.parse(open(path).read()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_every_pretrained_reference_resolves():
    names, urls = set(), set()
    for path in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True):
        for text in _strings(path):
            names.update(re.findall(r'torchvision://(\w+)', text))
            urls.update(re.findall(r'https?://\S+\.pth', text))
    assert names >= {'resnet34', 'resnet50'} and urls
    for name in names:
        url = TORCHVISION_URLS[name]
        assert url.startswith('https://download.pytorch.org/models/') and expected_hash(url)
    for url in urls:
        assert expected_hash(url), f'{url} carries no sha256 prefix to verify'
