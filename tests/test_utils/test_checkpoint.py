"""Strict checkpoint loading: every weight with its shape, or an error naming the file, the
counts and the first keys of each kind, and the config the checkpoint's meta names."""
import random

import pytest
import torch
from torch import nn

from cmkd_mm.utils import checkpoint as ckpt_utils
from cmkd_mm.utils.checkpoint import (CheckpointMismatchError, CheckpointReadError,
                                      check_checkpoint_fits, checkpoint_origin,
                                      load_checkpoint_strict, read_checkpoint)


def _net(in_channels=4, classes=2):
    return nn.Sequential(
        nn.Conv2d(in_channels, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, classes, 1))


def _save(path, state, **meta):
    torch.save(dict(state_dict=state, meta=meta), path)
    return str(path)


def test_a_fitting_checkpoint_loads_every_weight(tmp_path):
    src = _net()
    path = _save(tmp_path / 'ok.pth', {'module.' + k: v for k, v in src.state_dict().items()})
    dst = _net()
    got = load_checkpoint_strict(dst, path)
    assert set(got) == {'state_dict', 'meta'}
    for key, value in src.state_dict().items():
        assert torch.equal(dst.state_dict()[key], value), key


def test_another_shape_is_refused_naming_file_counts_and_keys_and_nothing_loads(tmp_path):
    path = _save(tmp_path / 'rgb.pth', _net(in_channels=3).state_dict())
    dst = _net(in_channels=4)
    before = {k: v.clone() for k, v in dst.state_dict().items()}
    with pytest.raises(CheckpointMismatchError) as err:
        load_checkpoint_strict(dst, path)
    text = str(err.value)
    assert text.startswith(f'{path} does not fit the model: 0 missing [], 0 unexpected [], '
                           '1 of another shape')
    assert '0.weight (8, 3, 3, 3) vs (8, 4, 3, 3)' in text
    assert isinstance(err.value, KeyError) and isinstance(err.value, ValueError)
    for key, value in before.items():  # the fitting weights were not loaded either
        assert torch.equal(dst.state_dict()[key], value), key


def test_an_unrelated_model_counts_every_key_and_lists_the_first_few(tmp_path):
    path = _save(tmp_path / 'linear.pth', nn.Linear(3, 2).state_dict())
    with pytest.raises(CheckpointMismatchError) as err:
        load_checkpoint_strict(_net(), path)
    text = str(err.value)
    # 0.weight 0.bias 1.weight 1.bias 1.running_mean 1.running_var 3.weight 3.bias (the BN
    # counter is filled in by torch, not a weight)
    assert f'{path} does not fit the model: 8 missing [0.weight, 0.bias, 1.weight, 1.bias, ' \
           '1.running_mean, ...], 2 unexpected [weight, bias], 0 of another shape' in text


@pytest.mark.parametrize(
    'content', [random.Random(0).randbytes(2048), None], ids=['random-bytes', 'truncated'])
def test_a_file_that_is_no_checkpoint_is_named(tmp_path, content):
    path = tmp_path / 'teacher.pth'
    if content is None:  # the first half of a real checkpoint (torch's zip format)
        torch.save(_net().state_dict(), path)
        content = path.read_bytes()[:path.stat().st_size // 2]
    path.write_bytes(content)
    with pytest.raises(CheckpointReadError) as err:
        read_checkpoint(str(path))
    text = str(err.value)
    assert text.startswith(f'{path} is not a readable PyTorch checkpoint')
    assert 'truncated or damaged' in text and 'Copy or download it again' in text
    with pytest.raises(FileNotFoundError, match='nowhere.pth: no such file'):
        read_checkpoint(str(tmp_path / 'nowhere.pth'))


class _Unknown:
    """A class torch's safe loader does not know."""


def test_an_object_the_safe_loader_refuses_is_named(tmp_path):
    path = _save(tmp_path / 'odd.pth', _net().state_dict(), extra=_Unknown())
    with pytest.raises(CheckpointReadError) as err:
        read_checkpoint(path)
    assert str(err.value).startswith(f"{path}: torch's safe loader refuses the object ")
    assert '_Unknown' in str(err.value)


def test_the_meta_names_the_config_of_the_checkpoint(tmp_path):
    cfg_text = "default_scope = 'mmdet'\nmodel = dict(\n    type='FasterRCNN', backbone=dict())\n"
    path = _save(
        tmp_path / 'best.pth',
        _net(in_channels=3).state_dict(),
        cfg=cfg_text,
        experiment_name='baseline_faster-rcnn-r18-fpn_rgb_stf_demo_20260101_120000')
    with pytest.raises(CheckpointMismatchError) as err:
        load_checkpoint_strict(_net(), path)
    assert ('It was saved by the run baseline_faster-rcnn-r18-fpn_rgb_stf_demo_20260101_120000 '
            '(config baseline_faster-rcnn-r18-fpn_rgb_stf_demo.py); its saved config builds a '
            'FasterRCNN model.') in str(err.value)
    assert checkpoint_origin(dict(distilled_from='kd_best.pth')) == (
        'It is the student extracted from the distillation checkpoint kd_best.pth.')
    assert checkpoint_origin(None) == checkpoint_origin({}) == ''


def test_a_distillation_checkpoint_is_recognised(tmp_path):
    state = {f'architecture.{k}': v for k, v in _net().state_dict().items()}
    path = _save(tmp_path / 'kd.pth', dict(state, **{'teacher.0.weight': torch.zeros(1)}))
    with pytest.raises(CheckpointMismatchError, match='It is a distillation checkpoint'):
        load_checkpoint_strict(_net(), path)
    dst = _net()
    load_checkpoint_strict(dst, path, prefix='architecture.')
    torch.testing.assert_close(dst.state_dict()['0.weight'], state['architecture.0.weight'])
    plain = _save(tmp_path / 'plain.pth', _net().state_dict())
    with pytest.raises(CheckpointMismatchError, match='holds no "architecture.\\*" weights'):
        load_checkpoint_strict(_net(), plain, prefix='architecture.')


def test_skipped_keys_are_explicit_and_logged(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(ckpt_utils, 'print_log', lambda msg, **kw: logged.append(msg))
    src = _net(classes=5)
    path = _save(tmp_path / 'five.pth', src.state_dict())
    with pytest.raises(CheckpointMismatchError, match='2 of another shape'):
        load_checkpoint_strict(_net(classes=2), path)
    dst = _net(classes=2)
    load_checkpoint_strict(dst, path, skip_mismatched=('3.', ))
    assert torch.equal(dst.state_dict()['0.weight'], src.state_dict()['0.weight'])
    assert not torch.equal(dst.state_dict()['3.bias'][:2], src.state_dict()['3.bias'][:2])
    assert any("skipped the keys under ['3.']" in m and '3.weight (5, 8, 1, 1) vs (2, 8, 1, 1)' in m
               for m in logged), logged


def test_check_only_loads_nothing_and_an_empty_buffer_takes_the_checkpoint_size(tmp_path):

    class Stats(nn.Module):  # statistics measured at training time, sized by the checkpoint

        def __init__(self):
            super().__init__()
            self.register_buffer('mean', torch.empty(0, 1, 1))

    path = _save(tmp_path / 'stats.pth', dict(mean=torch.ones(3, 1, 1)))
    check_checkpoint_fits(Stats(), path)
    model = _net()
    before = model.state_dict()['0.weight'].clone()
    check_checkpoint_fits(model, _save(tmp_path / 'other.pth', _net().state_dict()))
    assert torch.equal(model.state_dict()['0.weight'], before)
    with pytest.raises(CheckpointMismatchError, match='stats.pth does not fit the model'):
        check_checkpoint_fits(model, path)
