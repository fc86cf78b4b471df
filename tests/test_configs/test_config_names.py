"""Config names follow docs/config_names.md: {method}_{model}_{modalities}_{dataset}[_demo], a
model's name in the model index is its config's name, and the multi-modal preprocessor is
spelled one way."""
import glob
import os.path as osp
import re

from mmengine.config import Config

from cmkd_mm.zoo import model_entries
from ..conftest import ROOT

FIELD = r'[a-z0-9]+(?:-[a-z0-9]+)*'
NAME = re.compile(rf'^{FIELD}(?:_{FIELD}){{3}}(?:_demo)?\.py$')
# The quick start's command, kept as a config that inherits the scheme-named one.
ENTRY_POINT = 'configs/detection/cmkd_adv_stf.py'


def _configs():
    files = glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(f, ROOT) for f in files if '/_base_/' not in f and '/recipes/' not in f)


def test_every_config_name_has_the_four_fields():
    wrong = [c for c in _configs() if c != ENTRY_POINT and not NAME.match(osp.basename(c))]
    assert not wrong, f'not {{method}}_{{model}}_{{modalities}}_{{dataset}}[_demo].py: {wrong}'
    spelled = [c for c in _configs() if 'demo' in osp.basename(c)[:-len('_demo.py')]]
    assert not spelled, f'demo size is said by the _demo suffix only: {spelled}'


def test_the_entry_point_is_the_scheme_named_config():
    cfg = Config.fromfile(osp.join(ROOT, ENTRY_POINT))
    same = Config.fromfile(
        osp.join(ROOT, 'configs/detection/cmkd-adv_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf.py'))
    assert cfg.to_dict() == same.to_dict()


def test_the_preprocessor_type_is_spelled_one_way():
    """``mmengine.MultiModalDataPreprocessor``: the bare name finds mmpretrain's class of the same
    name in an mmpretrain config (tests/test_models/test_data_preprocessors)."""
    files = glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    spelling = re.compile(r"type=['\"]([\w.]*MultiModalDataPreprocessor)")
    spellings = set()
    for path in files:
        spellings.update(spelling.findall(open(path).read()))
    assert spellings == {'mmengine.MultiModalDataPreprocessor'}


def test_model_names_are_config_names():
    for name, entry in model_entries(osp.join(ROOT, 'model-index.yml')).items():
        assert osp.basename(entry['config']) == f'{name}.py', (name, entry['config'])
