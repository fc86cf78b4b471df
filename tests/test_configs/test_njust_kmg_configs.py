"""NJUST-KMG (PBVS 2024) configs: the stage losses against the NJUST-KMG code's formulas, what each
stage trains and freezes, and the CLIP ViT-B/32 encoder option against a hand-written CLIP
forward."""
import copy
import importlib.util
import os.path as osp

import mmpretrain
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmrazor.registry import MODELS as RAZOR_MODELS

from ..conftest import ROOT, tiny_cfg

CONFIGS = osp.join(ROOT, 'configs', 'classification', 'njust-kmg')
BASE_MODEL = osp.join(ROOT, 'configs', '_base_', 'models', 'njust-kmg_mavoc2024.py')

# The config of each stage, by its name in configs/recipes/njust-kmg_mavoc2024.py.
STAGES = {
    'stage1-eo': 'teacher_resnet18_eo_mavoc2024.py',
    'stage2-kl': 'kd-kl_resnet18_eo-to-sar_mavoc2024.py',
    'stage2-joint': 'kd-joint_resnet18_eo-to-sar_mavoc2024.py',
    'stage3-head': 'finetune-head_resnet18_sar_mavoc2024.py',
    'stage3-full': 'finetune-full_resnet18_sar_mavoc2024.py',
}


def _config(name):
    return f'configs/classification/njust-kmg/{STAGES[name]}'


def _setup(name, root, tmp_path, batch_size=4):
    """Config, model and one training batch of a stage (demo data, no downloads)."""
    init_default_scope('mmpretrain')
    cfg = tiny_cfg(_config(name), root, str(tmp_path))
    cfg.train_dataloader.batch_size = batch_size
    registry = RAZOR_MODELS if 'stage2' in name else PRETRAIN_MODELS
    torch.manual_seed(0)
    model = registry.build(copy.deepcopy(cfg.model))
    model.init_weights()
    model.train()
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    return cfg, model, loader


def _focal(logits, labels, gamma=0.5):
    log_p = logits.log_softmax(1)[torch.arange(len(labels)), labels]
    return (-(1 - log_p.exp())**gamma * log_p).mean()


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _changed(before, module):
    after = module.state_dict()
    return {k for k, v in before.items() if not torch.equal(v, after[k])}


def test_stage1_is_an_eo_classifier_with_focal_loss_and_balanced_sampling():
    cfg = Config.fromfile(osp.join(CONFIGS, 'teacher_resnet18_eo_mavoc2024.py'))
    assert cfg.model.data_preprocessor.views == dict(eo=['eo'])
    assert cfg.model.head.loss.type == 'SoftmaxFocalLoss' and cfg.model.head.loss.gamma == 0.5
    assert cfg.train_dataloader.sampler == dict(type='ClassBalancedSampler')
    assert cfg.train_dataloader.batch_size == 64
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.param_scheduler[0].type == 'CosineAnnealingLR'
    assert cfg.param_scheduler[0].T_max == 100 and cfg.train_cfg.max_epochs == 100


def test_stage2_joint_loss_is_the_original_formula(mavoc2024_demo_root, tmp_path):
    cfg, algo, loader = _setup('stage2-joint', mavoc2024_demo_root, tmp_path)
    data = algo.data_preprocessor(next(iter(loader)), True)
    losses = algo.loss(data['inputs'], data['data_samples'])
    assert set(losses) == {'teacher.loss', 'distill.loss_nce', 'distill.loss_sort'}

    with torch.no_grad():
        f_eo = algo.teacher.extract_feat(data['inputs']['teacher'])[0]
        f_sar = algo.student.extract_feat(data['inputs']['student'])[0]
        labels = torch.cat([s.gt_label for s in data['data_samples']])
        a, b = f_sar / f_sar.norm(dim=1, keepdim=True), f_eo / f_eo.norm(dim=1, keepdim=True)
        sim = a @ b.t()  # tau = 1
        nce = -(sim.log_softmax(1).diag().mean() + sim.t().log_softmax(1).diag().mean()) / 2
        sort = ((f_sar.sort(1).values - f_eo.sort(1).values)**2).mean()
        focal = _focal(algo.teacher.head.fc(f_eo), labels)
    assert losses['distill.loss_nce'].item() == pytest.approx(0.8 * nce.item(), rel=1e-5)
    assert losses['teacher.loss'].item() == pytest.approx(0.2 * focal.item(), rel=1e-5)
    assert losses['distill.loss_sort'].item() == pytest.approx(sort.item(), rel=1e-5)

    # one optimizer over the algorithm trains both encoders; the SAR head gets no loss
    teacher, student = _state(algo.teacher), _state(algo.student)
    optim = build_optim_wrapper(algo, cfg.optim_wrapper)
    algo.train_step(next(iter(loader)), optim)
    assert {k for k in _changed(teacher, algo.teacher) if k.startswith('backbone.layer4')}
    assert {k for k in _changed(student, algo.student) if k.startswith('backbone.layer4')}
    assert 'head.fc.weight' in _changed(teacher, algo.teacher)
    assert 'head.fc.weight' not in _changed(student, algo.student)


def test_stage2_kl_trains_the_sar_encoder_only(mavoc2024_demo_root, tmp_path):
    cfg, algo, loader = _setup('stage2-kl', mavoc2024_demo_root, tmp_path)
    assert not algo.teacher.training and algo.teacher_mode == 'extract_feat'
    data = algo.data_preprocessor(next(iter(loader)), True)
    losses = algo.loss(data['inputs'], data['data_samples'])
    assert set(losses) == {'distill.loss_kl'}
    with torch.no_grad():
        f_eo = algo.teacher.extract_feat(data['inputs']['teacher'])[0]
        f_sar = algo.student.extract_feat(data['inputs']['student'])[0]
        p_eo = f_eo.softmax(1)  # over the feature dimension, tau = 1
        kl = (p_eo * (p_eo.log() - f_sar.log_softmax(1))).sum() / len(f_eo)
    assert losses['distill.loss_kl'].item() == pytest.approx(kl.item(), rel=1e-5)

    teacher, student = _state(algo.teacher), _state(algo.student)
    algo.train_step(next(iter(loader)), build_optim_wrapper(algo, cfg.optim_wrapper))
    assert not _changed(teacher, algo.teacher)  # weights and BN statistics
    assert {k for k in _changed(student, algo.student) if k.startswith('backbone.')}


@pytest.mark.parametrize('mode', ['head', 'full'])
def test_stage3_head_freezes_the_encoder_and_full_trains_it(mode, mavoc2024_demo_root, tmp_path):
    cfg, model, loader = _setup(f'stage3-{mode}', mavoc2024_demo_root, tmp_path)
    assert cfg.model.head.loss.type == 'SoftmaxFocalLoss'
    assert cfg.train_dataloader.sampler.type == 'ClassBalancedSampler'
    before = _state(model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    batches = iter(loader)
    for _ in range(2):
        model.train_step(next(batches), optim)
    changed = _changed(before, model)
    encoder = {k for k in before if k.startswith(('backbone.', 'neck.'))}
    assert {'head.fc.weight', 'head.fc.bias'} <= changed
    if mode == 'head':
        assert not changed & encoder  # no weight, no BatchNorm statistic moved
    else:
        assert 'backbone.conv1.weight' in changed
        assert 'backbone.layer4.1.bn2.running_mean' in changed


# --------------------------------------------------------------------- the CLIP ViT-B/32 option
def _clip_encoder():
    return copy.deepcopy(Config.fromfile(BASE_MODEL).encoders['clip-vit-b32'])


def test_clip_encoder_has_the_size_of_clip_vit_b32():
    init_default_scope('mmpretrain')
    encoder = _clip_encoder()
    assert encoder.feat_dim == 512 and encoder.num_stages == 12
    backbone = PRETRAIN_MODELS.build(encoder.backbone)
    neck = PRETRAIN_MODELS.build(encoder.neck)
    # OpenAI's ViT-B/32 image tower: conv1, class embedding, 50 positions, ln_pre, 12 blocks
    # (qkv, out proj, two LNs, 768-3072-768 MLP), ln_post and the 768 x 512 projection.
    width, block = 768, 3 * 768 * 768 + 3 * 768 + 768 * 768 + 768 + 4 * 768 + \
        2 * 768 * 3072 + 3072 + 768
    expected = 3 * 32 * 32 * width + width + 50 * width + 2 * width + 12 * block + \
        2 * width + width * 512
    assert expected == 87849216
    count = sum(p.numel() for m in (backbone, neck) for p in m.parameters())
    assert count == expected
    with torch.no_grad():
        assert neck(backbone(torch.zeros(1, 3, 224, 224)))[0].shape == (1, 512)


def _openai_visual(width=64, layers=2, mlp=256, out=32, patch=32, grid=7):
    """Random weights with the names and layouts of OpenAI CLIP's ``visual`` module."""
    g = torch.Generator().manual_seed(0)

    def rand(*shape, std=0.05):
        return torch.randn(*shape, generator=g) * std

    state = {
        'conv1.weight': rand(width, 3, patch, patch, std=0.02),
        'class_embedding': rand(width),
        'positional_embedding': rand(grid * grid + 1, width),
        'ln_pre.weight': 1 + rand(width),
        'ln_pre.bias': rand(width),
        'ln_post.weight': 1 + rand(width),
        'ln_post.bias': rand(width),
        'proj': rand(width, out),
    }
    for i in range(layers):
        p = f'transformer.resblocks.{i}.'
        state.update({
            p + 'ln_1.weight': 1 + rand(width),
            p + 'ln_1.bias': rand(width),
            p + 'attn.in_proj_weight': rand(3 * width, width),
            p + 'attn.in_proj_bias': rand(3 * width),
            p + 'attn.out_proj.weight': rand(width, width),
            p + 'attn.out_proj.bias': rand(width),
            p + 'ln_2.weight': 1 + rand(width),
            p + 'ln_2.bias': rand(width),
            p + 'mlp.c_fc.weight': rand(mlp, width),
            p + 'mlp.c_fc.bias': rand(mlp),
            p + 'mlp.c_proj.weight': rand(width, mlp),
            p + 'mlp.c_proj.bias': rand(width),
        })
    return {'visual.' + k: v for k, v in state.items()}


def _clip_forward(state, img, heads):
    """OpenAI CLIP's image encoder written out: patches, class token, pre-LN blocks, proj."""
    w = {k[len('visual.'):]: v for k, v in state.items()}
    width = w['class_embedding'].numel()

    def ln(x, name):
        return F.layer_norm(x, (width, ), w[name + '.weight'], w[name + '.bias'], 1e-5)

    x = F.conv2d(img, w['conv1.weight'], stride=w['conv1.weight'].shape[-1])
    x = x.flatten(2).transpose(1, 2)
    cls = w['class_embedding'].expand(len(x), 1, width)
    x = torch.cat([cls, x], 1) + w['positional_embedding']
    x = ln(x, 'ln_pre')
    i = 0
    while f'transformer.resblocks.{i}.ln_1.weight' in w:
        p = f'transformer.resblocks.{i}.'
        h = ln(x, p + 'ln_1')
        q, k, v = (h @ w[p + 'attn.in_proj_weight'].t() + w[p + 'attn.in_proj_bias']).chunk(3, -1)

        def split(t):
            return t.reshape(len(t), -1, heads, width // heads).transpose(1, 2)

        att = (split(q) @ split(k).transpose(-1, -2) / (width // heads)**0.5).softmax(-1)
        h = (att @ split(v)).transpose(1, 2).reshape(len(x), -1, width)
        x = x + h @ w[p + 'attn.out_proj.weight'].t() + w[p + 'attn.out_proj.bias']
        h = ln(x, p + 'ln_2') @ w[p + 'mlp.c_fc.weight'].t() + w[p + 'mlp.c_fc.bias']
        h = h * torch.sigmoid(1.702 * h)  # QuickGELU
        x = x + h @ w[p + 'mlp.c_proj.weight'].t() + w[p + 'mlp.c_proj.bias']
        i += 1
    return ln(x[:, 0], 'ln_post') @ w['proj']


def _mmpretrain_clip_converter():
    path = osp.join(
        osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'model_converters',
        'openai-clip_to_mmpretrain-clip.py')
    if not osp.isfile(path):
        pytest.skip('mmpretrain was installed without its tools/')
    spec = importlib.util.spec_from_file_location('openai_clip_to_mmpretrain', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.convert_clip


def test_clip_encoder_loads_converted_openai_weights(tmp_path):
    """The encoder option at a small width: weights converted by mmpretrain's converter land
    where the prefixes of the init_cfgs put them, and the output is CLIP's image embedding."""
    init_default_scope('mmpretrain')
    openai = _openai_visual()
    checkpoint = str(tmp_path / 'clip_mmpretrain.pth')
    torch.save(_mmpretrain_clip_converter()(openai), checkpoint)
    encoder = _clip_encoder()
    encoder.backbone.arch = dict(embed_dims=64, num_layers=2, num_heads=2, feedforward_channels=256)
    encoder.backbone.init_cfg.checkpoint = checkpoint
    encoder.neck.update(in_channels=64, out_channels=32)
    encoder.neck.init_cfg.checkpoint = checkpoint
    backbone = PRETRAIN_MODELS.build(encoder.backbone)
    neck = PRETRAIN_MODELS.build(encoder.neck)
    backbone.init_weights()
    neck.init_weights()
    assert torch.equal(neck.proj, openai['visual.proj'])
    assert torch.equal(backbone.cls_token.flatten(), openai['visual.class_embedding'])
    img = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    backbone.eval()
    with torch.no_grad():
        ours = neck(backbone(img))[0]
        reference = _clip_forward(openai, img, heads=2)
    assert torch.allclose(ours, reference, atol=1e-4, rtol=1e-4)


def test_stage3_head_freezes_the_clip_encoder_too(mavoc2024_demo_root, tmp_path):
    init_default_scope('mmpretrain')
    cfg = tiny_cfg(_config('stage3-head'), mavoc2024_demo_root, str(tmp_path))
    encoder = _clip_encoder()
    for part in ('backbone', 'neck'):
        encoder[part].init_cfg = None  # no local CLIP weights in the tests
    cfg.model.backbone = dict(encoder.backbone, frozen_stages=encoder.num_stages)
    cfg.model.neck = encoder.neck
    cfg.model.head.in_channels = encoder.feat_dim
    model = PRETRAIN_MODELS.build(cfg.model)
    model.train()
    before = _state(model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train_step(next(iter(Runner.build_dataloader(cfg.train_dataloader, seed=0))), optim)
    changed = _changed(before, model)
    assert changed == {'head.fc.weight', 'head.fc.bias'}
