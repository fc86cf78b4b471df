"""The xView2 converter (``cmkd_mm.zoo.converters.xview2``) and its tool.

The source state dicts are generated here with the original code's key names and shapes
(1st-place ``zoo/models.py`` + Cadene ``zoo/senet.py``, the xView2 KD code's
``train_src/zoo/models.py``): encoder
``conv1.0/1``, ``conv2.1.<i>``, ``conv3/4/5.<i>`` (SEResNeXtBottleneck: ``conv1-3``, ``bn1-3``,
``se_module.fc1/fc2``, ``downsample.0/1``), decoder ``conv6 ... conv10`` (``.layer.0``), head
``res``. The reference forwards below are written from the original ``forward`` (nearest x2 up,
``ConvRelu``, concat skip, ``ConvRelu``; siamese ``cat(dec10(pre), dec10(post))`` -> ``res``),
functionally on the source tensors, independent of our modules.
"""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

from cmkd_mm.zoo.converters.base import check_complete, load_source, target_model
from cmkd_mm.zoo.converters.xview2 import convert_xview2
from ..conftest import ROOT, load_tool

CFG = 'configs/building_damage/{}_unet-seresnext50_{}_xview2.py'
TEACHER, STUDENT = [32, 48, 64, 128, 256], [16, 24, 32, 64, 128]
# name -> (config, original model, decoder widths)
MODELS = {
    'Loc': (('loc-teacher', 'pre'), 'loc', TEACHER),
    'Double': (('damage-teacher', 'pre-post'), 'double', TEACHER),
    'Loc_KD': (('loc-baseline', 'pre'), 'loc', STUDENT),
    'Double_KD': (('damage-baseline', 'pre-post'), 'double', STUDENT),
}
ENC = [64, 256, 512, 1024, 2048]
STAGES = (('conv2.1', 3, 64, 1), ('conv3', 4, 128, 2), ('conv4', 6, 256, 2), ('conv5', 3, 512, 2)
          )  # original module, blocks, planes, stride


def _conv(gen, out, inp, k):
    return torch.randn(out, inp, k, k, generator=gen) / (inp * k * k)**0.5


def _bn(gen, prefix, c):
    return {
        f'{prefix}.weight': torch.rand(c, generator=gen) + 0.5,
        f'{prefix}.bias': torch.randn(c, generator=gen) * 0.1,
        f'{prefix}.running_mean': torch.randn(c, generator=gen) * 0.1,
        f'{prefix}.running_var': torch.rand(c, generator=gen) + 0.5,
        f'{prefix}.num_batches_tracked': torch.tensor(7)
    }


def original_encoder(gen):
    """Cadene se_resnext50_32x4d as the original conv1 ... conv5 hold it."""
    sd = {'conv1.0.weight': _conv(gen, 64, 3, 7), **_bn(gen, 'conv1.1', 64)}
    inplanes = 64
    for stage, blocks, planes, _ in STAGES:
        width, out = planes * 4 // 64 * 32, planes * 4  # floor(planes * 4 / 64) * groups
        for i in range(blocks):
            p = f'{stage}.{i}'
            sd.update({
                f'{p}.conv1.weight':
                _conv(gen, width, inplanes, 1),
                **_bn(gen, f'{p}.bn1', width), f'{p}.conv2.weight':
                _conv(gen, width, width // 32, 3),
                **_bn(gen, f'{p}.bn2', width), f'{p}.conv3.weight':
                _conv(gen, out, width, 1),
                **_bn(gen, f'{p}.bn3', out), f'{p}.se_module.fc1.weight':
                _conv(gen, out // 16, out, 1),
                f'{p}.se_module.fc1.bias':
                torch.randn(out // 16, generator=gen) * 0.1,
                f'{p}.se_module.fc2.weight':
                _conv(gen, out, out // 16, 1),
                f'{p}.se_module.fc2.bias':
                torch.randn(out, generator=gen) * 0.1
            })
            if i == 0:
                sd.update({
                    f'{p}.downsample.0.weight': _conv(gen, out, inplanes, 1),
                    **_bn(gen, f'{p}.downsample.1', out)
                })
            inplanes = out
    return sd


def original_decoder(gen, d, model):
    """The original ConvRelu decoder of widths ``d`` and its ``res`` head."""
    shapes = {
        'conv6': (d[4], ENC[4]),
        'conv6_2': (d[4], d[4] + ENC[3]),
        'conv7': (d[3], d[4]),
        'conv7_2': (d[3], d[3] + ENC[2]),
        'conv8': (d[2], d[3]),
        'conv8_2': (d[2], d[2] + ENC[1]),
        'conv9': (d[1], d[2]),
        'conv9_2': (d[1], d[1] + ENC[0]),
        'conv10': (d[0], d[1])
    }
    sd = {}
    for name, (out, inp) in shapes.items():
        sd[f'{name}.layer.0.weight'] = _conv(gen, out, inp, 3)
        sd[f'{name}.layer.0.bias'] = torch.randn(out, generator=gen) * 0.1
    classes, views = (1, 1) if model == 'loc' else (5, 2)
    sd['res.weight'] = _conv(gen, classes, views * d[0], 1)
    sd['res.bias'] = torch.randn(classes, generator=gen) * 0.1
    return sd


@pytest.fixture(scope='module')
def originals():
    gen = torch.Generator().manual_seed(0)
    encoder = original_encoder(gen)  # the same encoder in all four: it is not what differs
    return {
        name: {
            **encoder,
            **original_decoder(gen, widths, model)
        }
        for name, (_, model, widths) in MODELS.items()
    }


@pytest.fixture(scope='module')
def models():
    return {
        name: target_model(osp.join(ROOT, CFG.format(*cfg)))
        for name, (cfg, _, _) in MODELS.items()
    }


# ---- reference forwards, from the original code ----------------------------------------------
def ref_bn(x, sd, p):
    return F.batch_norm(x, sd[f'{p}.running_mean'], sd[f'{p}.running_var'], sd[f'{p}.weight'],
                        sd[f'{p}.bias'], False, 0.0, 1e-5)


def ref_bottleneck(x, sd, p, stride):
    out = F.relu(ref_bn(F.conv2d(x, sd[f'{p}.conv1.weight']), sd, f'{p}.bn1'))
    out = F.conv2d(out, sd[f'{p}.conv2.weight'], stride=stride, padding=1, groups=32)
    out = F.relu(ref_bn(out, sd, f'{p}.bn2'))
    out = ref_bn(F.conv2d(out, sd[f'{p}.conv3.weight']), sd, f'{p}.bn3')
    se = F.conv2d(
        out.mean((2, 3), keepdim=True), sd[f'{p}.se_module.fc1.weight'],
        sd[f'{p}.se_module.fc1.bias'])
    se = torch.sigmoid(
        F.conv2d(F.relu(se), sd[f'{p}.se_module.fc2.weight'], sd[f'{p}.se_module.fc2.bias']))
    if f'{p}.downsample.0.weight' in sd:
        x = ref_bn(
            F.conv2d(x, sd[f'{p}.downsample.0.weight'], stride=stride), sd, f'{p}.downsample.1')
    return F.relu(out * se + x)


def ref_encoder(x, sd):
    """enc1 ... enc5 of the original code (Cadene pool: 3x3/2, ceil_mode)."""
    x = F.relu(ref_bn(F.conv2d(x, sd['conv1.0.weight'], stride=2, padding=3), sd, 'conv1.1'))
    feats = [x]
    x = F.max_pool2d(x, 3, 2, ceil_mode=True)
    for stage, blocks, _, stride in STAGES:
        for i in range(blocks):
            x = ref_bottleneck(x, sd, f'{stage}.{i}', stride if i == 0 else 1)
        feats.append(x)
    return feats


def ref_conv_relu(x, sd, name):
    return F.relu(F.conv2d(x, sd[f'{name}.layer.0.weight'], sd[f'{name}.layer.0.bias'], padding=1))


def ref_up_block(x, skip, sd, first, second):
    """``second(cat(first(up2(x)), skip))``, e.g. conv6 / conv6_2."""
    x = ref_conv_relu(F.interpolate(x, scale_factor=2), sd, first)
    return ref_conv_relu(torch.cat([x, skip], 1), sd, second)


def ref_dec10(feats, sd):
    x = feats[4]
    for skip, n in zip(feats[3::-1], (6, 7, 8, 9)):
        x = ref_up_block(x, skip, sd, f'conv{n}', f'conv{n}_2')
    return ref_conv_relu(F.interpolate(x, scale_factor=2), sd, 'conv10')


def ref_res(dec10s, sd):
    return F.conv2d(torch.cat(dec10s, 1), sd['res.weight'], sd['res.bias'])


def ref_model(x, sd):
    """The original forward on its (BGR) input: Loc on 3 channels, Double on [pre, post]."""
    views = [x] if x.shape[1] == 3 else [x[:, :3], x[:, 3:]]
    return ref_res([ref_dec10(ref_encoder(v, sd), sd) for v in views], sd)


def enc_feats(gen, size=64):
    return [
        torch.randn(1, c, size >> s, size >> s, generator=gen)
        for c, s in zip(ENC, (1, 2, 3, 4, 5))
    ]


def close(ours, ref):
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5 * float(ref.abs().max()))


# ---- tests --------------------------------------------------------------------------------------
@pytest.mark.parametrize('name', list(MODELS))
def test_complete_and_values(name, originals, models):
    src, model = originals[name], MODELS[name][1]
    state = convert_xview2(src, model)
    check_complete(models[name], state)
    assert len(state) == len(src) == len(models[name].state_dict())
    pairs = {
        'backbone.bn1.running_var': 'conv1.1.running_var',
        'backbone.layer1.0.downsample.1.bias': 'conv2.1.0.downsample.1.bias',
        'backbone.layer2.3.conv2.weight': 'conv3.3.conv2.weight',
        'backbone.layer3.5.se_layer.conv2.conv.bias': 'conv4.5.se_module.fc2.bias',
        'backbone.layer4.2.se_layer.conv1.conv.weight': 'conv5.2.se_module.fc1.weight',
        'decode_head.blocks.0.up_conv.0.weight': 'conv6.layer.0.weight',
        'decode_head.blocks.2.fuse_conv.0.bias': 'conv8_2.layer.0.bias',
        'decode_head.final_conv.0.weight': 'conv10.layer.0.weight',
        'decode_head.conv_seg.weight': 'res.weight'
    }
    for ours, theirs in pairs.items():
        assert torch.equal(state[ours], src[theirs]), ours
    # the stem takes RGB (our loaders) where the original code took BGR (cv2), unless
    # rgb_input=False
    assert torch.equal(state['backbone.conv1.weight'], src['conv1.0.weight'].flip(1))
    bgr = convert_xview2(src, model, rgb_input=False)
    assert torch.equal(bgr['backbone.conv1.weight'], src['conv1.0.weight'])


def test_wrong_model_or_config(originals, models):
    with pytest.raises(ValueError, match='check --model'):
        convert_xview2(originals['Loc'], 'double')
    with pytest.raises(ValueError, match='check --model'):
        convert_xview2(originals['Double_KD'], 'loc')
    with pytest.raises(ValueError, match='another shape'):  # teacher weights, student config
        check_complete(models['Loc_KD'], convert_xview2(originals['Loc'], 'loc'))
    with pytest.raises(KeyError, match='match no rule'):
        convert_xview2({**originals['Loc'], 'last_linear.weight': torch.zeros(1)}, 'loc')


@pytest.mark.parametrize('name', ['Double', 'Loc_KD'])
def test_decoder_matches_reference(name, originals, models):
    """One decoder block (conv6 / conv6_2), the whole decoder and ``res`` on fixed taps."""
    src, model = originals[name], models[name]
    model.load_state_dict(convert_xview2(src, MODELS[name][1]))
    head = model.decode_head
    gen = torch.Generator().manual_seed(1)
    views = [enc_feats(gen) for _ in range(head.num_views)]
    feats = views[0]
    with torch.no_grad():
        close(head.blocks[0](feats[4], feats[3]),
              ref_up_block(feats[4], feats[3], src, 'conv6', 'conv6_2'))
        close(head.decode_view(feats), ref_dec10(feats, src))
        ours = head(views if head.num_views > 1 else feats)
    close(ours, ref_res([ref_dec10(v, src) for v in views], src))


@pytest.mark.parametrize('name', ['Loc', 'Double_KD'])
def test_whole_model_matches_reference(name, originals, models, monkeypatch):
    """The converted model on RGB input = the original model on BGR input with its max-pool
    (``pool_ceil_mode=True``); with our default pool (3x3/2, padding 1) the size is the same,
    the values are not."""
    src, model = originals[name], models[name]
    model.load_state_dict(convert_xview2(src, MODELS[name][1]))
    views = 1 if MODELS[name][1] == 'loc' else 2
    rgb = torch.rand(1, 3 * views, 64, 64, generator=torch.Generator().manual_seed(2)) * 2 - 1
    bgr = torch.cat([v.flip(1) for v in rgb.split(3, 1)], 1)
    with torch.no_grad():
        ref = ref_model(bgr, src)
        ours_pool = model(rgb, mode='tensor')
        # what model.backbone.pool_ceil_mode=True builds
        monkeypatch.setattr(model.backbone, 'maxpool', None)
        model.backbone.use_ceil_mode_pool()
        ours = model(rgb, mode='tensor')
    assert ref.shape == (1, 1 if views == 1 else 5, 64, 64)
    close(ours, ref)
    assert ours_pool.shape == ref.shape and not torch.allclose(ours_pool, ref)


def test_tool(originals, tmp_path):
    """The tool on a DataParallel original checkpoint and a distillation config (its student)."""
    main = load_tool('model_converters/xview2_to_cmkd.py').main
    src = originals['Loc_KD']
    path = str(tmp_path / 'res50_loc_0_KD_best')
    torch.save(
        {
            'state_dict': {
                f'module.{k}': v
                for k, v in src.items()
            },
            'best_score': 0.8,
            'epoch': 30
        }, path)
    assert list(load_source(path)) == list(src)
    out = str(tmp_path / 'converted.pth')
    cfg = osp.join(ROOT, 'configs/building_damage/loc-kd_unet-seresnext50_pre_xview2.py')
    main([path, out, '--model', 'loc', '--config', cfg])
    ckpt = torch.load(out, map_location='cpu', weights_only=False)
    want = convert_xview2(src, 'loc')
    assert list(ckpt['state_dict']) == list(want)
    assert all(torch.equal(ckpt['state_dict'][k], v) for k, v in want.items())
    assert ckpt['meta']['original_model'] == 'loc'
    assert ckpt['meta']['input_channel_order'] == 'rgb'
    with pytest.raises(SystemExit):
        main([path, out, '--model', 'unet', '--config', cfg])
