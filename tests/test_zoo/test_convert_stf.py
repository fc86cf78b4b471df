"""The Seeing Through Fog converter: a torchvision-named Faster R-CNN R50-FPN (written here
in plain torch with torchvision's key names and computations: ``FrozenBatchNorm2d`` with eps 0,
the FPN with its max-pooled extra level, the RPN head, ``TwoMLPHead`` and ``FastRCNNPredictor``
with the background first), converted into our teacher (6 channels) and baseline / student (RGB)
configs, fills every weight and gives the original features, RPN outputs, class probabilities and
boxes; the tool writes a complete checkpoint."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import MODELS, TASK_UTILS, DefaultScope
from torch import nn

from cmkd_mm.utils.config import load_config, student_config
from cmkd_mm.zoo.converters.base import check_complete
from cmkd_mm.zoo.converters.stf import convert_stf
from ..conftest import load_tool

TEACHER = 'configs/detection/teacher_faster-rcnn-r50-fpn_rgb-gated_stf.py'
BASELINE = 'configs/detection/baseline_faster-rcnn-r50-fpn_rgb_stf.py'
CMKD_ADV = 'configs/detection/cmkd_adv_stf.py'


# ---- the original network, torchvision's names ----------------------------------------------
class FrozenBatchNorm2d(nn.Module):
    """torchvision's: four buffers, no ``num_batches_tracked``; eps 0 in the COCO detectors."""

    def __init__(self, n):
        super().__init__()
        for name, value in (('weight', torch.ones(n)), ('bias', torch.zeros(n)),
                            ('running_mean', torch.zeros(n)), ('running_var', torch.ones(n))):
            self.register_buffer(name, value)

    def forward(self, x):
        scale = self.weight * self.running_var.rsqrt()
        shift = self.bias - self.running_mean * scale
        return x * scale[None, :, None, None] + shift[None, :, None, None]


class Bottleneck(nn.Module):
    """torchvision's ResNet-50 ``Bottleneck`` (stride on the 3x3 conv)."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        cout = planes * 4
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = FrozenBatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = FrozenBatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, cout, 1, bias=False)
        self.bn3 = FrozenBatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), FrozenBatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(self.bn3(self.conv3(out)) + identity)


class Body(nn.Module):
    """ResNet-50 behind ``IntermediateLayerGetter`` (no ``fc``), the original code's new
    ``conv1``."""

    def __init__(self, in_channels):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = FrozenBatchNorm2d(64)
        cin = 64
        for i, (planes, blocks) in enumerate(zip((64, 128, 256, 512), (3, 4, 6, 3))):
            layer = [Bottleneck(cin, planes, 1 if i == 0 else 2)]
            layer += [Bottleneck(planes * 4, planes, 1) for _ in range(blocks - 1)]
            setattr(self, f'layer{i + 1}', nn.Sequential(*layer))
            cin = planes * 4

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        feats = []
        for i in range(1, 5):
            x = getattr(self, f'layer{i}')(x)
            feats.append(x)
        return feats


def _conv(cin, cout, k, new_names, relu=False):
    """A conv, or torchvision >= 0.13's ``Conv2dNormActivation`` (a Sequential) around it."""
    conv = nn.Conv2d(cin, cout, k, padding=k // 2)
    if not new_names:
        return conv
    return nn.Sequential(conv, nn.ReLU()) if relu else nn.Sequential(conv)


class FPN(nn.Module):
    """torchvision's ``FeaturePyramidNetwork`` + ``LastLevelMaxPool``."""

    def __init__(self, new_names):
        super().__init__()
        self.inner_blocks = nn.ModuleList(
            _conv(c, 256, 1, new_names) for c in (256, 512, 1024, 2048))
        self.layer_blocks = nn.ModuleList(_conv(256, 256, 3, new_names) for _ in range(4))

    def forward(self, feats):
        last = self.inner_blocks[-1](feats[-1])
        results = [self.layer_blocks[-1](last)]
        for i in (2, 1, 0):
            lateral = self.inner_blocks[i](feats[i])
            last = lateral + F.interpolate(last, size=lateral.shape[-2:], mode='nearest')
            results.insert(0, self.layer_blocks[i](last))
        return results + [F.max_pool2d(results[-1], 1, 2, 0)]


class Backbone(nn.Module):

    def __init__(self, in_channels, new_names):
        super().__init__()
        self.body = Body(in_channels)
        self.fpn = FPN(new_names)

    def forward(self, x):
        return self.fpn(self.body(x))


class RPNHead(nn.Module):
    """torchvision's ``RPNHead`` (3 anchors per location)."""

    def __init__(self, new_names):
        super().__init__()
        self.new_names = new_names
        self.conv = nn.Sequential(_conv(256, 256, 3, True, relu=True)) if new_names else \
            _conv(256, 256, 3, False)
        self.cls_logits = nn.Conv2d(256, 3, 1)
        self.bbox_pred = nn.Conv2d(256, 12, 1)

    def forward(self, feats):
        ts = [self.conv(f) if self.new_names else F.relu(self.conv(f)) for f in feats]
        return [self.cls_logits(t) for t in ts], [self.bbox_pred(t) for t in ts]


class RoIHeads(nn.Module):
    """``TwoMLPHead`` + the original ``FastRCNNPredictor(1024, 2)`` (class 0 = background)."""

    def __init__(self, num_classes=2):
        super().__init__()
        self.box_head = nn.Module()
        self.box_head.fc6 = nn.Linear(256 * 7 * 7, 1024)
        self.box_head.fc7 = nn.Linear(1024, 1024)
        self.box_predictor = nn.Module()
        self.box_predictor.cls_score = nn.Linear(1024, num_classes)
        self.box_predictor.bbox_pred = nn.Linear(1024, num_classes * 4)

    def forward(self, roi_feats):
        x = F.relu(self.box_head.fc6(roi_feats.flatten(1)))
        x = F.relu(self.box_head.fc7(x))
        return self.box_predictor.cls_score(x), self.box_predictor.bbox_pred(x)


class OriginalFasterRCNN(nn.Module):
    """The original code's ``build_model``: torchvision ``fasterrcnn_resnet50_fpn``, its key
    names."""

    def __init__(self, in_channels, new_names=False):
        super().__init__()
        self.backbone = Backbone(in_channels, new_names)
        self.rpn = nn.Module()
        self.rpn.head = RPNHead(new_names)
        self.roi_heads = RoIHeads()


def tv_generate_anchors(size, ratios=(0.5, 1.0, 2.0)):
    """torchvision ``AnchorGenerator.generate_anchors`` (one size; ratio = h / w; rounded)."""
    h_ratios = torch.tensor(ratios, dtype=torch.float64).sqrt()
    ws, hs = size / h_ratios, size * h_ratios
    return (torch.stack([-ws, -hs, ws, hs], dim=1) / 2).round()


def tv_decode(deltas, boxes, weights=(10., 10., 5., 5.)):
    """torchvision ``BoxCoder.decode_single`` for one box per row."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    cx, cy = boxes[:, 0] + 0.5 * w, boxes[:, 1] + 0.5 * h
    dx, dy, dw, dh = (deltas[:, i] / weights[i] for i in range(4))
    clip = torch.log(torch.tensor(1000. / 16))
    pcx, pcy = dx * w + cx, dy * h + cy
    pw, ph = dw.clamp(max=clip).exp() * w, dh.clamp(max=clip).exp() * h
    return torch.stack([pcx - 0.5 * pw, pcy - 0.5 * ph, pcx + 0.5 * pw, pcy + 0.5 * ph], dim=1)


# ---- fixtures ---------------------------------------------------------------------------------
def _original(in_channels, new_names, seed):
    torch.manual_seed(seed)
    model = OriginalFasterRCNN(in_channels, new_names)
    for m in model.modules():
        if isinstance(m, FrozenBatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(1e-4, 2.0)  # small variances: eps 0 vs 1e-5 shows
    return model.eval()


@pytest.fixture(scope='module')
def original_teacher():
    """The teacher: 6 input channels, torchvision 0.12's key names (the original code's)."""
    return _original(6, new_names=False, seed=0)


@pytest.fixture(scope='module')
def original_rgb():
    """An RGB model (baseline / student) with torchvision >= 0.13's key names."""
    return _original(3, new_names=True, seed=1)


def _ours(config):
    """Our model of ``config`` (a distillation config: its student), no pretrained init."""
    cfg = load_config(config)
    if 'architecture' in cfg.model:
        cfg = student_config(cfg)
    cfg.model.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(cfg.model).eval()


def _converted(original_model, config, dtype=torch.float32, **kwargs):
    ours = _ours(config).to(dtype)
    state = convert_stf(original_model.state_dict(), **kwargs)
    check_complete(ours, state)
    ours.load_state_dict(state, strict=True)
    return ours, state


# ---- tests ------------------------------------------------------------------------------------
def test_source_key_names(original_teacher, original_rgb):
    old, new = original_teacher.state_dict(), original_rgb.state_dict()
    assert len(old) == len(new) == 295  # 53 convs, 53 x 4 BN buffers, FPN 16, RPN 6, RoI 8
    assert 'backbone.fpn.inner_blocks.0.weight' in old and 'rpn.head.conv.weight' in old
    assert 'backbone.fpn.inner_blocks.0.0.weight' in new and 'rpn.head.conv.0.0.weight' in new
    assert not any(k.endswith('num_batches_tracked') for k in old)
    assert old['backbone.body.conv1.weight'].shape == (64, 6, 7, 7)
    assert old['roi_heads.box_predictor.bbox_pred.weight'].shape == (8, 1024)


@pytest.mark.parametrize('which,config', [('teacher', TEACHER), ('rgb', BASELINE)])
def test_convert_values(which, config, original_teacher, original_rgb):
    original = original_teacher if which == 'teacher' else original_rgb
    src = original.state_dict()
    ours, out = _converted(original, config)
    assert torch.equal(out['backbone.conv1.weight'], src['backbone.body.conv1.weight'])
    lateral = 'backbone.fpn.inner_blocks.2.' + ('0.' if which == 'rgb' else '') + 'weight'
    assert torch.equal(out['neck.lateral_convs.2.conv.weight'], src[lateral])
    for ours_key, original_key in (('rpn_cls', 'cls_logits'), ('rpn_reg', 'bbox_pred')):
        assert torch.equal(out[f'rpn_head.{ours_key}.weight'],
                           src[f'rpn.head.{original_key}.weight'])
    cls_w, reg_w = (src[f'roi_heads.box_predictor.{k}.weight'] for k in ('cls_score', 'bbox_pred'))
    assert torch.equal(out['roi_head.bbox_head.fc_cls.weight'][0], cls_w[1])  # pedestrian first
    assert torch.equal(out['roi_head.bbox_head.fc_cls.weight'][1], cls_w[0])  # background last
    assert torch.equal(out['roi_head.bbox_head.fc_reg.weight'], reg_w[4:])  # background dropped
    assert out['backbone.layer3.5.bn2.num_batches_tracked'].item() == 0
    # eps 0 -> 1e-5 folded into the BN weight, the statistics kept
    var = src['backbone.body.layer1.0.bn1.running_var']
    assert torch.equal(out['backbone.layer1.0.bn1.running_var'], var)
    torch.testing.assert_close(out['backbone.layer1.0.bn1.weight'],
                               src['backbone.body.layer1.0.bn1.weight'] * (1 + 1e-5 / var).sqrt())
    stds = tuple(float(v) for v in ours.roi_head.bbox_head.bbox_coder.stds)
    assert stds == (0.1, 0.1, 0.2, 0.2)  # = 1 / torchvision's (10, 10, 5, 5)


def test_convert_rejects_wrong_targets(original_teacher):
    state = convert_stf(original_teacher.state_dict())
    with pytest.raises(ValueError, match='backbone.conv1.weight'):
        check_complete(_ours(BASELINE), state)  # 6-channel conv1 in the RGB model
    with pytest.raises(ValueError, match='num_classes=3'):
        convert_stf(original_teacher.state_dict(), num_classes=3)


@torch.no_grad()
def test_outputs_match_the_original_code(original_teacher):
    """Same features (P2-P6), RPN maps, class probabilities and boxes as the original formulas;
    in float64, so that only a layout or eps error can make them differ."""
    original = copy.deepcopy(original_teacher).double()
    ours, _ = _converted(original, TEACHER, dtype=torch.float64)
    torch.manual_seed(2)
    x = torch.randn(1, 6, 32, 64, dtype=torch.float64)  # P5 1 x 2, P6 1 x 1
    original_feats = original.backbone(x)
    feats = ours.neck(ours.backbone(x))
    assert len(feats) == len(original_feats) == 5
    for a, b in zip(feats, original_feats):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9 * b.abs().max().item())

    original_cls, original_reg = original.rpn.head(original_feats)
    cls, reg = ours.rpn_head(tuple(original_feats))
    for a, b in zip(cls + reg, original_cls + original_reg):
        torch.testing.assert_close(a, b)

    roi_feats = torch.randn(5, 256, 7, 7, dtype=torch.float64)
    original_logits, original_deltas = original.roi_heads(roi_feats)
    cls_score, bbox_pred = ours.roi_head.bbox_head(roi_feats)
    original_prob, prob = original_logits.softmax(-1), cls_score.softmax(-1)
    torch.testing.assert_close(prob[:, :-1], original_prob[:, 1:])  # pedestrian
    torch.testing.assert_close(prob[:, -1], original_prob[:, 0])  # background
    rois = torch.tensor([[10., 20., 60., 90.]] * 5, dtype=torch.float64)
    boxes = ours.roi_head.bbox_head.bbox_coder.decode(rois, bbox_pred)
    torch.testing.assert_close(boxes, tv_decode(original_deltas[:, 4:8], rois))

    # without the eps folding the features differ (the original BN has eps 0, ours 1e-5)
    ours.load_state_dict(convert_stf(original.state_dict(), dst_bn_eps=0.0))
    assert not torch.allclose(ours.neck(ours.backbone(x))[0], original_feats[0], rtol=1e-3)


def test_anchor_order_matches():
    """Per location, anchor ``a`` has the same shape in both (up to torchvision's rounding) and
    both flatten the RPN maps the same way: the RPN channels need no permutation."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        generator = TASK_UTILS.build(load_config(BASELINE).model.rpn_head.anchor_generator)
    for level, size in enumerate((32, 64, 128, 256, 512)):
        ours, theirs = generator.base_anchors[level].double(), tv_generate_anchors(size)
        assert (ours - theirs).abs().max() <= 0.5
        torch.testing.assert_close((ours[:, 3] - ours[:, 1]) / (ours[:, 2] - ours[:, 0]),
                                   torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64))
    # grid: torchvision (shifts.view(-1, 1, 4) + base.view(1, -1, 4)), location-major
    h, w, stride = 3, 4, 8
    sy, sx = torch.meshgrid(torch.arange(h) * stride, torch.arange(w) * stride, indexing='ij')
    shifts = torch.stack([sx, sy, sx, sy], dim=-1).reshape(-1, 1, 4).double()
    original_grid = (shifts + tv_generate_anchors(64).view(1, -1, 4)).reshape(-1, 4)
    ours_grid = generator.single_level_grid_priors((h, w), 1, torch.float64, 'cpu')
    assert (ours_grid - original_grid).abs().max() <= 0.5
    # the maps: torchvision permute_and_flatten vs mmdet permute(1, 2, 0).reshape(-1, 4)
    reg = torch.randn(1, 12, h, w)
    original_flat = reg.view(1, 3, 4, h, w).permute(0, 3, 4, 1, 2).reshape(-1, 4)
    torch.testing.assert_close(reg[0].permute(1, 2, 0).reshape(-1, 4), original_flat)


def test_tool_writes_complete_checkpoint(original_rgb, tmp_path):
    src, out = str(tmp_path / 'KDfea_adv.pth'), str(tmp_path / 'stf_cmkd-adv.pth')
    torch.save(original_rgb.state_dict(), src)
    load_tool('model_converters/stf_to_cmkd.py').main([src, out, '--config', CMKD_ADV])
    ckpt = torch.load(out, map_location='cpu', weights_only=False)
    assert ckpt['meta']['source'] == 'KDfea_adv.pth' and ckpt['meta']['config'] == CMKD_ADV
    student = _ours(CMKD_ADV)
    student.load_state_dict(ckpt['state_dict'], strict=True)
    expected = convert_stf(original_rgb.state_dict())
    assert ckpt['state_dict'].keys() == expected.keys()
    assert all(torch.equal(ckpt['state_dict'][k], v) for k, v in expected.items())
