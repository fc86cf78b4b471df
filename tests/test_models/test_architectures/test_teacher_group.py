"""TeacherGroup: teachers under their names, each with its view, mode and checkpoint; a teacher
declared by its training config is found from any working folder."""
import pytest
import torch
from mmengine.model import BaseModel
from torch import nn

from cmkd_mm.models.architectures import TeacherGroup

DEMO = 'configs/building_damage/loc-teacher_unet-r18_pre_xview2_demo.py'


class _Net(BaseModel):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Conv2d(3, 2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.backbone(inputs)


def test_teachers_under_their_names_with_views_modes_and_checkpoints(tmp_path):
    torch.manual_seed(0)
    saved = _Net()
    ckpt = str(tmp_path / 'b.pth')
    torch.save(dict(state_dict=saved.state_dict()), ckpt)
    group = TeacherGroup(
        teachers=dict(
            a=dict(model=_Net(), view='rgb'), b=dict(model=_Net(), mode='tensor', ckpt=ckpt)))
    assert group.names == ['a', 'b'] and group.eval_teacher == 'a'
    assert list(group.members()) == ['a', 'b'] and group.members()['b'] is group.b
    assert group.views == dict(a='rgb', b=None) and group.modes == dict(a=None, b='tensor')
    assert group.ckpts == dict(a=None, b=ckpt)
    group.init_weights()  # the loaded checkpoint survives
    assert torch.equal(group.b.backbone.weight, saved.backbone.weight)
    assert set(
        group.state_dict()) == {f'{n}.backbone.{p}'
                                for n in 'ab'
                                for p in ('weight', 'bias')}
    with pytest.raises(RuntimeError, match='teacher by teacher'):
        group(torch.rand(1, 3, 2, 2))


def test_a_teacher_declared_by_its_config_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = TeacherGroup.model_config('loc', dict(config=DEMO))
    assert 'data_preprocessor' not in model  # the algorithm's preprocessor serves it
    group = TeacherGroup(teachers=dict(loc=dict(config=DEMO, view='pre')))
    assert hasattr(group.loc, 'extract_feat') and group.views == dict(loc='pre')


def test_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match='at least one'):
        TeacherGroup(teachers={})
    with pytest.raises(ValueError, match='cannot name a teacher'):
        TeacherGroup(teachers={'a.b': dict(model=_Net())})
    with pytest.raises(ValueError, match='is not a teacher'):
        TeacherGroup(teachers=dict(a=dict(model=_Net())), eval_teacher='b')
    with pytest.raises(ValueError, match=r'model=\.\.\. or config=\.\.\.'):
        TeacherGroup.model_config('a', dict(model=dict(), config=DEMO))
    with pytest.raises(ValueError, match='got keys'):
        TeacherGroup.model_config('a', dict(model=dict(), weights='x.pth'))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r'teacher "a": config configs/nope\.py not found'):
        TeacherGroup.model_config('a', dict(config='configs/nope.py'))
