"""The original CEKD code (lab-sun/CEKD@262ada2) -> cmkd_mm CENet / EKNet conversion.

The original models are rebuilt here (on the meta device, no memory) with its attribute names and
shapes: ``TSmodel/Teacher_model.py`` (two torchvision ResNet-50 encoders whose layer4 is a
``BottleStack``, the RTFNet decoder, ``newEdgeSeg``) and ``TSmodel/Student_model.py`` (the
thermal encoder, the decoder, ``createMask``). The converted weights must fill our models
exactly; small original blocks with the original forward (BoT attention, TransBottleneck layer, edge
branch, thermal enhancement) must give our blocks' outputs after conversion.
"""
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import MODELS
from torch import nn

from cmkd_mm.models.decode_heads.rtf_decoder import make_trans_layer
from cmkd_mm.models.decode_heads.thermal_enhancement import ThermalEnhancementModule
from cmkd_mm.models.layers import make_bot_stack
from cmkd_mm.models.layers.edge_module import EdgeModule
from cmkd_mm.utils.config import load_config
from cmkd_mm.zoo.converters.base import check_complete
from cmkd_mm.zoo.converters.cekd import convert_cekd, detect_original_model
from ..conftest import load_tool

TEACHER_CFG = 'configs/segmentation/teacher_cenet-r50-bot_rgb-thermal_mfnet.py'
STUDENT_CFG = 'configs/segmentation/baseline_eknet-r50-bot_thermal_mfnet.py'
DISTILL_CFG = 'configs/segmentation/cekd_cenet-to-eknet-r50-bot_rgb-thermal-to-thermal_mfnet.py'


# ---- the original modules: attribute names, shapes and forward as in TSmodel/*.py ----
class TVBottleneck(nn.Module):
    """torchvision's ResNet-50 Bottleneck (the original code takes layer1-3 from ``resnet50``)."""

    def __init__(self, cin, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        if stride != 1 or cin != planes * 4:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))


class OriginalAbsPosEmb(nn.Module):

    def __init__(self, fmap_size, dim_head):
        super().__init__()
        self.scale = dim_head**-0.5
        self.height = nn.Parameter(torch.randn(fmap_size[0], dim_head) * self.scale)
        self.width = nn.Parameter(torch.randn(fmap_size[1], dim_head) * self.scale)

    def forward(self, q):
        emb = (self.height[:, None] + self.width[None]).reshape(-1, self.height.shape[1])
        return torch.einsum('bhid,jd->bhij', q, emb) * self.scale


class OriginalAttention(nn.Module):

    def __init__(self, dim, fmap_size, heads, dim_head):
        super().__init__()
        self.heads, self.scale = heads, dim_head**-0.5
        self.to_qkv = nn.Conv2d(dim, heads * dim_head * 3, 1, bias=False)
        self.pos_emb = OriginalAbsPosEmb(fmap_size, dim_head)

    def forward(self, fmap):
        b, _, h, w = fmap.shape
        # einops 'b (h d) x y -> b h (x y) d' on each chunk
        q, k, v = (
            t.reshape(b, self.heads, -1, h * w).transpose(-1, -2)
            for t in self.to_qkv(fmap).chunk(3, dim=1))
        sim = torch.einsum('bhid,bhjd->bhij', q, k) * self.scale + self.pos_emb(q)
        out = torch.einsum('bhij,bhjd->bhid', sim.softmax(dim=-1), v)
        return out.transpose(-1, -2).reshape(b, -1, h, w)


class OriginalBottleBlock(nn.Module):

    def __init__(self, dim, fmap_size, dim_out, proj_factor, downsample, heads, dim_head):
        super().__init__()
        act = nn.ReLU()
        if dim != dim_out or downsample:
            k, s, p = (3, 2, 1) if downsample else (1, 1, 0)
            self.shortcut = nn.Sequential(
                nn.Conv2d(dim, dim_out, k, s, p, bias=False), nn.BatchNorm2d(dim_out), act)
        else:
            self.shortcut = nn.Identity()
        mid = dim_out // proj_factor
        self.net = nn.Sequential(
            nn.Conv2d(dim, mid, 1, bias=False), nn.BatchNorm2d(mid), act,
            OriginalAttention(mid, fmap_size, heads, dim_head),
            nn.AvgPool2d((2, 2)) if downsample else nn.Identity(), nn.BatchNorm2d(heads * dim_head),
            act, nn.Conv2d(heads * dim_head, dim_out, 1, bias=False), nn.BatchNorm2d(dim_out))
        self.activation = act

    def forward(self, x):
        return self.activation(self.net(x) + self.shortcut(x))


class OriginalBottleStack(nn.Module):

    def __init__(self,
                 dim,
                 fmap_size,
                 dim_out=2048,
                 proj_factor=4,
                 num_layers=3,
                 heads=4,
                 dim_head=512):
        super().__init__()
        blocks = []
        for i in range(num_layers):
            size = fmap_size if i == 0 else (fmap_size[0] // 2, fmap_size[1] // 2)
            blocks.append(
                OriginalBottleBlock(dim if i == 0 else dim_out, size, dim_out, proj_factor, i == 0,
                                    heads, dim_head))
        self.net = nn.Sequential(*blocks)

    def forward(self, x):
        return self.net(x)


class OriginalTransBottleneck(nn.Module):

    def __init__(self, inplanes, planes, stride=1, upsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if upsample is not None and stride != 1:
            self.conv3 = nn.ConvTranspose2d(planes, planes, 2, stride, bias=False)
        else:
            self.conv3 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.upsample = upsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.upsample is None else self.upsample(x)))


def original_transpose_layer(inplanes, planes, blocks=2):
    """``Teacher_model._make_transpose_layer(TransBottleneck, planes, blocks, stride=2)``."""
    upsample = nn.Sequential(
        nn.ConvTranspose2d(inplanes, planes, 2, 2, bias=False), nn.BatchNorm2d(planes))
    layers = [OriginalTransBottleneck(inplanes, inplanes) for _ in range(blocks - 1)]
    return nn.Sequential(*layers, OriginalTransBottleneck(inplanes, planes, 2, upsample))


class OriginalCDCM(nn.Module):

    def __init__(self, cin, cout):
        super().__init__()
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(cin, cout, 1)
        for i, d in enumerate((5, 7, 9, 11), 1):
            setattr(self, f'conv2_{i}', nn.Conv2d(cout, cout, 3, padding=d, dilation=d, bias=False))

    def forward(self, x):
        x = self.conv1(self.relu1(x))
        return sum(getattr(self, f'conv2_{i}')(x) for i in range(1, 5))


class OriginalCSAM(nn.Module):

    def __init__(self, channels):
        super().__init__()
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(channels, 4, 1)
        self.conv2 = nn.Conv2d(4, 1, 3, padding=1, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        return x * self.sigmoid(self.conv2(self.conv1(self.relu1(x))))


class OriginalEdge(nn.Module):
    """``newEdgeSeg``: returns the sigmoid of the edge logits."""

    def __init__(self, cin1):
        super().__init__()
        self.skip2conv = nn.Conv2d(cin1, cin1, 1)
        self.skip2bn = nn.BatchNorm2d(cin1)
        self.skip2relu = nn.ReLU()
        self.cdcm = OriginalCDCM(cin1, cin1)
        self.csam = OriginalCSAM(cin1)
        self.conv1x1 = nn.Conv2d(cin1, 1, 1)

    def forward(self, x):
        x = self.skip2relu(self.skip2bn(self.skip2conv(x)))
        return torch.sigmoid(self.conv1x1(self.csam(self.cdcm(x))))


class OriginalExpWeight(nn.Module):
    """``expWeightV2``."""

    def __init__(self):
        super().__init__()
        self.maxpool1 = nn.MaxPool2d(4, 4)
        self.conv1 = nn.Conv2d(1, 1, 3, 2, 1)
        self.bn1 = nn.BatchNorm2d(1)
        self.relu1 = nn.ReLU()
        self.maxpool2 = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(1, 1, 3, 2, 1)
        self.bn2 = nn.BatchNorm2d(1)
        self.relu2 = nn.ReLU()
        self.maxpool3 = nn.MaxPool2d(2, 2, padding=(1, 0))
        self.fc1 = nn.Linear(80, 20)
        self.bn3 = nn.BatchNorm1d(20)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(20, 1)

    def forward(self, x):
        x = self.maxpool2(self.relu1(self.bn1(self.conv1(self.maxpool1(x)))))
        x = self.maxpool3(self.relu2(self.bn2(self.conv2(x))))
        return self.fc2(self.relu3(self.bn3(self.fc1(x.reshape(x.shape[0], -1)))))


class OriginalCreateMask(nn.Module):

    def __init__(self, enlightening=2):
        super().__init__()
        self.enlightening = enlightening
        self.expweight = OriginalExpWeight()

    def forward(self, t):
        w = (self.expweight(t) + self.enlightening)[:, :, None, None]
        t = torch.pow(t, w)
        return [F.interpolate(t, scale_factor=1 / 2**i) for i in range(1, 6)]


def add_original_encoder(net, name, in_channels):
    """``encoder_<name>_*`` of the original code: torchvision stem and layer1-3, BoT layer4."""
    pre = f'encoder_{name}_'
    setattr(net, pre + 'conv1', nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False))
    setattr(net, pre + 'bn1', nn.BatchNorm2d(64))
    setattr(net, pre + 'relu', nn.ReLU())
    setattr(net, pre + 'maxpool', nn.MaxPool2d(3, 2, 1))
    for i, (cin, planes, blocks, stride) in enumerate([(64, 64, 3, 1), (256, 128, 4, 2),
                                                       (512, 256, 6, 2)], 1):
        setattr(
            net, pre + f'layer{i}',
            nn.Sequential(
                TVBottleneck(cin, planes, stride),
                *[TVBottleneck(planes * 4, planes) for _ in range(blocks - 1)]))
    setattr(net, pre + 'layer4', OriginalBottleStack(1024, (30, 40)))


def add_original_decoder(net, n_class=9):
    for i, (cin, cout) in zip((5, 4, 3, 2, 1), [(2048, 1024), (1024, 512), (512, 256), (256, 128),
                                                (128, n_class)]):
        setattr(net, f'deconv{i}', original_transpose_layer(cin, cout))
    net.skip_tranform = nn.Conv2d(64, 128, 3, 1, 1)


def original_teacher_state():
    """Keys and shapes of ``Teacher_model(9).state_dict()``, zero-stride tensors."""
    with torch.device('meta'):
        net = nn.Module()
        add_original_encoder(net, 'thermal', 1)
        add_original_encoder(net, 'rgb', 3)
        net.edge = OriginalEdge(256)
        add_original_decoder(net)
    return {k: torch.zeros((), dtype=v.dtype).expand(v.shape) for k, v in net.state_dict().items()}


def original_student_state():
    """Keys and shapes of ``Student_model(9).state_dict()``, zero-stride tensors."""
    with torch.device('meta'):
        net = nn.Module()
        add_original_encoder(net, 'thermal', 1)
        net.createMask = OriginalCreateMask(2)
        add_original_decoder(net)
    return {k: torch.zeros((), dtype=v.dtype).expand(v.shape) for k, v in net.state_dict().items()}


def build(config, distill=None):
    """Our model of ``config`` (``distill``: 'teacher' / 'architecture'), no init_cfg."""
    model = load_config(config).model
    if distill:
        model = model[distill]
    backbone = model.backbone
    for stream in (backbone.main, backbone.aux) if 'main' in backbone else (backbone, ):
        stream.init_cfg = None
    return MODELS.build(model)


@pytest.fixture(scope='module')
def teacher_state():
    return original_teacher_state()


@pytest.fixture(scope='module')
def student_state():
    return original_student_state()


def _randomize(module, std=1.0):
    """Random weights and batch-norm statistics, eval mode (the original code zero-inits some
    BNs)."""
    torch.manual_seed(0)
    for name, t in module.state_dict().items():
        if name.endswith('running_var'):
            t.uniform_(0.5, 1.5)
        elif t.is_floating_point():
            t.normal_(0, std)
    return module.eval()


def _sub(state, prefix):
    """The entries of ``state`` under ``prefix``, prefix removed."""
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


# ---- whole models ----
def test_cenet_complete(mmseg_scope, teacher_state):
    out = convert_cekd(teacher_state, 'cenet')
    assert len(out) == len(teacher_state)
    assert {id(v) for v in out.values()} == {id(v) for v in teacher_state.values()}
    check_complete(build(TEACHER_CFG), out)
    pairs = {
        'encoder_rgb_conv1.weight': 'backbone.main.conv1.weight',
        'encoder_thermal_conv1.weight': 'backbone.aux.conv1.weight',
        'encoder_rgb_bn1.running_var': 'backbone.main.bn1.running_var',
        'encoder_thermal_layer3.0.downsample.1.running_var':
        'backbone.aux.layer3.0.downsample.1.running_var',
        'encoder_rgb_layer2.3.conv2.weight': 'backbone.main.layer2.3.conv2.weight',
        'encoder_rgb_layer4.net.0.net.3.to_qkv.weight': 'backbone.main.layer4.0.body.3.qkv.weight',
        'encoder_rgb_layer4.net.2.net.3.pos_emb.height':
        'backbone.main.layer4.2.body.3.pos_emb.height',
        'encoder_thermal_layer4.net.0.shortcut.1.running_mean':
        'backbone.aux.layer4.0.shortcut.1.running_mean',
        'encoder_thermal_layer4.net.1.net.8.weight': 'backbone.aux.layer4.1.body.8.weight',
        'deconv5.1.upsample.0.weight': 'decode_head.deconv5.1.shortcut.0.weight',
        'deconv1.1.conv3.weight': 'decode_head.deconv1.1.body.6.weight',
        'deconv3.0.bn2.num_batches_tracked': 'decode_head.deconv3.0.body.4.num_batches_tracked',
        'skip_tranform.bias': 'decode_head.skip_transform.bias',
        'edge.skip2bn.running_var': 'decode_head.edge_module.stem.1.running_var',
        'edge.cdcm.conv2_4.weight': 'decode_head.edge_module.cdcm.branches.3.weight',
        'edge.csam.conv2.weight': 'decode_head.edge_module.csam.attention.2.weight',
        'edge.conv1x1.bias': 'decode_head.edge_module.classifier.bias',
    }
    for theirs, ours in pairs.items():
        assert out[ours] is teacher_state[theirs], theirs
    assert out['backbone.main.layer4.0.body.3.qkv.weight'].shape == (6144, 512, 1, 1)
    assert out['backbone.aux.layer4.1.body.3.pos_emb.width'].shape == (20, 512)


def test_eknet_complete(mmseg_scope, student_state):
    state = dict(student_state)
    qkv = 'encoder_thermal_layer4.net.1.net.3.to_qkv.weight'
    state[qkv] = torch.randn(state[qkv].shape)
    out = convert_cekd(state, 'eknet')
    assert len(out) == len(state)
    model = build(STUDENT_CFG)
    check_complete(model, out)
    pairs = {
        'encoder_thermal_conv1.weight': 'backbone.conv1.weight',
        'encoder_thermal_layer2.3.bn3.weight': 'backbone.layer2.3.bn3.weight',
        'encoder_thermal_layer4.net.1.net.3.pos_emb.width':
        'backbone.layer4.1.body.3.pos_emb.width',
        'createMask.expweight.conv2.bias': 'enhancement.features.5.bias',
        'createMask.expweight.bn1.running_mean': 'enhancement.features.2.running_mean',
        'createMask.expweight.fc1.weight': 'enhancement.fc.0.weight',
        'createMask.expweight.bn3.running_var': 'enhancement.fc.1.running_var',
        'createMask.expweight.fc2.weight': 'enhancement.fc.3.weight',
        'deconv2.1.upsample.1.bias': 'decode_head.deconv2.1.shortcut.1.bias',
    }
    for theirs, ours in pairs.items():
        assert out[ours] is state[theirs], theirs
    model.load_state_dict(out, strict=True)
    assert torch.equal(model.backbone.layer4[1].body[3].qkv.weight, state[qkv])


def test_wrong_model_and_unknown_keys(teacher_state, student_state):
    assert detect_original_model(teacher_state) == 'cenet'
    assert detect_original_model(student_state) == 'eknet'
    with pytest.raises(ValueError, match='Teacher_model'):
        convert_cekd(teacher_state, 'eknet')
    with pytest.raises(ValueError, match='Student_model'):
        convert_cekd(student_state, 'cenet')
    with pytest.raises(ValueError, match='model must be'):
        convert_cekd(student_state, 'rtfnet')
    with pytest.raises(KeyError, match='match no rule'):
        convert_cekd(dict(student_state, **{'fc.weight': torch.zeros(9, 2048)}), 'eknet')


def test_missing_num_batches_tracked(student_state):
    old = {k: v for k, v in student_state.items() if not k.endswith('num_batches_tracked')}
    out = convert_cekd(old, 'eknet')
    assert set(out) == set(convert_cekd(student_state, 'eknet'))
    assert out['enhancement.fc.1.num_batches_tracked'] == 0


# ---- blocks: the original forward vs ours after conversion ----
def test_bot_stack_forward(single_thread):
    original = _randomize(
        OriginalBottleStack(16, (4, 6), dim_out=32, num_layers=2, heads=2, dim_head=8))
    ours = make_bot_stack(16, 32, (4, 6), num_blocks=2, heads=2, dim_head=8, proj_factor=4)
    state = {f'encoder_thermal_layer4.{k}': v for k, v in original.state_dict().items()}
    ours.load_state_dict(_sub(convert_cekd(state, 'eknet'), 'backbone.layer4.'), strict=True)
    x = torch.randn(2, 16, 4, 6)
    with torch.no_grad():
        expected = original(x)
        torch.testing.assert_close(ours.eval()(x), expected, atol=1e-4, rtol=1e-4)
    assert expected.shape == (2, 32, 2, 3) and expected.abs().sum() > 0


def test_trans_layer_forward(single_thread):
    original = _randomize(original_transpose_layer(16, 8))
    ours = make_trans_layer(16, 8, 2)
    state = {f'deconv3.{k}': v for k, v in original.state_dict().items()}
    ours.load_state_dict(_sub(convert_cekd(state, 'eknet'), 'decode_head.deconv3.'), strict=True)
    x = torch.randn(2, 16, 5, 7)
    with torch.no_grad():
        torch.testing.assert_close(ours.eval()(x), original(x), atol=1e-4, rtol=1e-4)


def test_edge_forward(single_thread):
    original = _randomize(OriginalEdge(8), std=0.3)
    ours = EdgeModule(8)
    state = {f'edge.{k}': v for k, v in original.state_dict().items()}
    converted = convert_cekd(state, 'cenet')
    ours.load_state_dict(_sub(converted, 'decode_head.edge_module.'), strict=True)
    x = torch.randn(2, 8, 24, 24)
    with torch.no_grad():
        expected = original(x)
        torch.testing.assert_close(ours.eval()(x).sigmoid(), expected, atol=1e-5, rtol=1e-4)
    assert expected.std() > 1e-3  # not saturated


def test_thermal_enhancement_forward(single_thread):
    original = _randomize(OriginalCreateMask(2), std=0.3)
    ours = ThermalEnhancementModule(thermal_channel=0, enlightening=2.0, pool_size=None)
    state = {f'createMask.{k}': v for k, v in original.state_dict().items()}
    ours.load_state_dict(_sub(convert_cekd(state, 'eknet'), 'enhancement.'), strict=True)
    t = torch.rand(2, 1, 480, 640)
    with torch.no_grad():
        w = original.expweight(t).view(-1) + 2
        assert (w > ours.min_weight).all()  # our lower bound does not act here
        torch.testing.assert_close(ours.eval().predict_weight(t), w)
        for got, expected in zip(ours(t), original(t)):
            torch.testing.assert_close(got, expected)
    assert [m.shape[-2:] for m in ours(t)] == [(240, 320), (120, 160), (60, 80), (30, 40), (15, 20)]


# ---- the command-line tool ----
@pytest.mark.parametrize('model,config', [('eknet', DISTILL_CFG), ('cenet', DISTILL_CFG)])
def test_tool(tmp_path, mmseg_scope, teacher_state, student_state, model, config):
    src, out = tmp_path / 'final.pth', tmp_path / 'sub' / f'{model}.pth'
    torch.save(teacher_state if model == 'cenet' else student_state, src)  # zero-stride: small
    load_tool('model_converters/cekd_to_cmkd.py').main(
        [str(src), str(out), '--model', model, '--config', config])
    ckpt = torch.load(out, map_location='cpu', weights_only=False)
    # the tool built the teacher / student of the distillation config and checked the fit
    assert list(ckpt['state_dict']) == list(
        convert_cekd(teacher_state if model == 'cenet' else student_state, model))
    assert ckpt['meta']['source'] == 'final.pth' and ckpt['meta']['config'] == config
    assert ckpt['meta']['original_model'] == ('Teacher_model'
                                              if model == 'cenet' else 'Student_model')
    with pytest.raises(ValueError, match='Student_model'):
        load_tool('model_converters/cekd_to_cmkd.py').main([
            str(src),
            str(out), '--model', 'eknet' if model == 'cenet' else 'cenet', '--config', config
        ])
