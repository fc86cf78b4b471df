import importlib.util
import sys

import pytest
import torch

from cmkd_mm.compat import torchvision_stub as stub

pytestmark = pytest.mark.skipif(
    not getattr(sys.modules.get('torchvision'), stub.STUB_FLAG, False),
    reason='a real torchvision is installed; the stand-in is not used')


def test_mmpretrain_imports_with_the_stand_in():
    import mmpretrain.datasets  # noqa: F401
    import mmpretrain.evaluation  # noqa: F401
    import mmpretrain.models  # noqa: F401
    assert importlib.util.find_spec('torchvision') is not None  # has a spec, like a real one


def test_box_functions_match_hand_computed_values():
    a = torch.tensor([[0., 0., 2., 2.]])
    b = torch.tensor([[1., 1., 3., 3.], [4., 4., 5., 6.]])
    assert stub.box_area(b).tolist() == [4., 2.]
    iou = stub.box_iou(a, b)
    assert torch.allclose(iou, torch.tensor([[1. / 7., 0.]]))
    giou = stub.generalized_box_iou(a, b)
    # enclosing boxes: 3x3 = 9 (union 7) and 5x6 = 30 (union 6)
    assert torch.allclose(giou, torch.tensor([[1. / 7. - 2. / 9., 0. - 24. / 30.]]))


def test_the_rest_says_to_install_torchvision():
    import torchvision
    with pytest.raises(ImportError, match='pip install torchvision'):
        torchvision.models
    with pytest.raises(ImportError, match='pip install torchvision'):
        torchvision.transforms.RandomResizedCrop(32)


def test_a_real_torchvision_is_never_shadowed(monkeypatch):
    real = type(sys)('torchvision')
    monkeypatch.setitem(sys.modules, 'torchvision', real)
    assert stub.install_torchvision_stub() is False
    assert sys.modules['torchvision'] is real
