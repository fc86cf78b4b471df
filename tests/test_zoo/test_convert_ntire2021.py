"""The NTIRE 2021 converter: a torchvision-named ResNet-34 (written here in plain torch, as the
NTIRE 2021 code's ``models.resnet34`` with a 1-channel ``conv1`` and a 10-class ``fc``) converted
into our classifier configs gives the same class scores, the tool writes a complete checkpoint with
the original normalisation, and a whole pickled model that cannot be read here says what to do."""
import sys
import types

import pytest
import torch
from mmengine.config import Config
from torch import nn

from cmkd_mm.deployment.onnx_export import load_deployable
from cmkd_mm.zoo.converters.base import check_complete
from cmkd_mm.zoo.converters.ntire2021 import (ORIGINAL_STATS, convert_ntire2021,
                                              convert_ntire2021_checkpoint, original_stats_state)
from ..conftest import load_tool

BASELINE = 'configs/classification/ntire2021/baseline_resnet34_eo_mavoc2021.py'
KD1 = 'configs/classification/ntire2021/kd1_resnet34_sar-to-eo_mavoc2021.py'


class BasicBlock(nn.Module):
    """torchvision's ``BasicBlock`` (names and computation)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class OriginalResNet34(nn.Module):
    """The NTIRE 2021 code's network: torchvision ``resnet34`` with ``conv1`` and ``fc``
    replaced."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = 64
        for i, (cout, blocks) in enumerate(zip((64, 128, 256, 512), (3, 4, 6, 3))):
            layer = [BasicBlock(cin, cout, 1 if i == 0 else 2)]
            layer += [BasicBlock(cout, cout, 1) for _ in range(blocks - 1)]
            setattr(self, f'layer{i + 1}', nn.Sequential(*layer))
            cin = cout
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


@pytest.fixture(scope='module')
def original_model():
    """An original model with trained-looking batch-norm statistics, in eval mode."""
    torch.manual_seed(0)
    model = OriginalResNet34()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.num_batches_tracked.fill_(1234)
    return model.eval()


def _scores(model, x):
    with torch.no_grad():
        return model(x, mode='tensor')


def test_convert_matches_original_forward(original_model, single_thread):
    source = original_model.state_dict()
    assert len(source) == 218 and source['conv1.weight'].shape == (64, 1, 7, 7)
    state = convert_ntire2021(source)
    assert len(state) == len(source)
    assert set(state) >= {
        'backbone.layer2.0.downsample.0.weight', 'head.fc.weight',
        'backbone.layer4.2.bn2.num_batches_tracked'
    }
    model, _ = load_deployable(BASELINE)
    # The original model has no data preprocessor buffers: the converter leaves them to the tool.
    check_complete(model, state, ignore=[r'data_preprocessor\..*'])
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.startswith('data_preprocessor.') for k in missing)
    assert int(model.backbone.bn1.num_batches_tracked) == 1234
    x = torch.randn(1, 1, 30, 30)
    with torch.no_grad():
        expected = original_model(x)
    torch.testing.assert_close(_scores(model.eval(), x), expected, rtol=0, atol=1e-5)


def test_original_stats_match_config():
    cfg = Config.fromfile(KD1)
    for name, (mean, std) in ORIGINAL_STATS.items():
        assert cfg.original_modality_stats[name]['mean'][0] == pytest.approx(mean * 255)
        assert cfg.original_modality_stats[name]['std'][0] == pytest.approx(std * 255)
    assert cfg.seed_modality_stats == cfg.original_modality_stats  # the deprecated name
    with pytest.raises(KeyError, match='rgb'):
        original_stats_state(['rgb'])


def test_tool_distillation_config(original_model, tmp_path, single_thread):
    """Distillation config -> its student, with the original normalisation of raw 8-bit chips."""
    src, out = tmp_path / 'resnet34_kd114.pt', tmp_path / 'ckpt' / 'kd1_eo.pth'
    torch.save(original_model.state_dict(), src)
    load_tool('model_converters/ntire2021_to_cmkd.py').main([str(src), str(out), '--config', KD1])
    ckpt = torch.load(out, map_location='cpu')
    assert ckpt['meta']['converter'] == 'ntire2021' and ckpt['meta']['config'] == KD1
    model, _ = load_deployable(KD1)
    model.load_state_dict(ckpt['state_dict'], strict=True)
    model.eval()
    raw = torch.randint(0, 256, (1, 30, 30), dtype=torch.uint8)
    with torch.no_grad():
        inputs = model.data_preprocessor(dict(inputs=dict(eo=[raw])))['inputs']
        mean, std = ORIGINAL_STATS['eo']  # the original: ToTensor (/255) then Normalize
        expected = original_model(((raw.float() / 255 - mean) / std)[None])
    torch.testing.assert_close(_scores(model, inputs), expected, rtol=0, atol=1e-5)


def test_pickled_model_without_its_code(original_model, tmp_path, monkeypatch):
    """A whole model whose classes cannot be imported (the original torchvision ResNet on a
    machine without torchvision) is refused with the one line that saves its state dict."""
    name = 'ntire2021_original_code_absent'
    code = types.ModuleType(name)
    code.ResNet = type('ResNet', (OriginalResNet34, ), dict(__module__=name))
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, name, code)
        whole = code.ResNet()
        whole.load_state_dict(original_model.state_dict())
        torch.save(whole, tmp_path / 'pre_EO.pt')
    assert name not in sys.modules
    with pytest.raises(RuntimeError, match=name) as err:
        convert_ntire2021_checkpoint(
            str(tmp_path / 'pre_EO.pt'), str(tmp_path / 'out.pth'), BASELINE)
    assert 'torchvision' in str(err.value) and '.state_dict(), ' in str(err.value)
    assert 'pre_EO_state_dict.pth' in str(err.value)
