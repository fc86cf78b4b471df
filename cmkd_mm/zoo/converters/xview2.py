"""Convert the SE-ResNeXt50 UNets of the original xView2 code to the cmkd_mm (mmseg) models.

The original code is the xView2 1st-place solution (``vdurnov/xview2_1st_place_solution``,
``zoo/models.py``: ``SeResNext50_Unet_Loc``, ``SeResNext50_Unet_Double``) and the
building-damage KD study built on it (``SmartDataLab/building_damage_kd``,
``train_src/zoo/models.py``: the students ``SeResNext50_Unet_Loc_KD``,
``SeResNext50_Unet_Double_KD``, same keys, decoder widths halved). Their checkpoints are
``{'state_dict': model.state_dict(), 'epoch': ..., 'best_score': ...}``, with ``module.`` keys
when the model was wrapped in ``nn.DataParallel`` (:func:`~.base.load_source` handles both).

The targets are the models of ``configs/_base_/models/xview2_loc_seresnext50_unet.py`` and
``xview2_damage_seresnext50_unet.py`` (``UNetSEResNeXt`` + ``XView2UNetHead``).

Not a weight difference, but an output one: the original (Cadene) max-pool after the stem is
``3x3/2, ceil_mode=True``, ours (mmpretrain) is ``3x3/2, padding=1``. Both give the same size on
even inputs, but the pooling windows are shifted by one pixel, so the converted model's outputs
are close to, not equal to, the original ones. With the pool swapped for the original one the
outputs match (``tests/test_zoo/test_convert_xview2.py``).
"""
import os.path as osp
from collections import OrderedDict
from typing import Dict

import torch

from .base import check_complete, load_source, rename, save_converted, target_model

#: Output channels of the original ``res`` 1x1 conv for each original model.
ORIGINAL_CLASSES = dict(loc=1, double=5)
#: Number of decoder views concatenated before ``res``.
ORIGINAL_VIEWS = dict(loc=1, double=2)

_BN = r'(?:weight|bias|running_mean|running_var|num_batches_tracked)'
# Parameters a Cadene SEResNeXtBottleneck and an mmpretrain SEBottleneck name alike.
_SAME = rf'conv[123]\.weight|bn[123]\.{_BN}|downsample\.0\.weight|downsample\.1\.{_BN}'
# Original stage module -> ours: conv2 = Sequential(pool, layer1), conv3..conv5 = layer2..4.
_STAGES = {r'conv2\.1': 'layer1', 'conv3': 'layer2', 'conv4': 'layer3', 'conv5': 'layer4'}
# Original decoder ConvRelu (its ``layer.0`` is the Conv2d) -> our head module.
_DECODER = {
    'conv6': 'blocks.0.up_conv',
    'conv6_2': 'blocks.0.fuse_conv',
    'conv7': 'blocks.1.up_conv',
    'conv7_2': 'blocks.1.fuse_conv',
    'conv8': 'blocks.2.up_conv',
    'conv8_2': 'blocks.2.fuse_conv',
    'conv9': 'blocks.3.up_conv',
    'conv9_2': 'blocks.3.fuse_conv',
    'conv10': 'final_conv',
}


def _rules() -> list:
    """The ordered ``(pattern, replacement)`` rules of :func:`convert_xview2`."""
    rules = [(r'conv1\.0\.weight', 'backbone.conv1.weight'),
             (rf'conv1\.1\.({_BN})', r'backbone.bn1.\1')]
    for theirs, ours in _STAGES.items():
        rules += [(rf'{theirs}\.(\d+)\.({_SAME})', rf'backbone.{ours}.\1.\2'),
                  (rf'{theirs}\.(\d+)\.se_module\.fc([12])\.(weight|bias)',
                   rf'backbone.{ours}.\1.se_layer.conv\2.conv.\3')]
    for theirs, ours in _DECODER.items():
        rules.append((rf'{theirs}\.layer\.0\.(weight|bias)', rf'decode_head.{ours}.0.\1'))
    rules.append((r'res\.(weight|bias)', r'decode_head.conv_seg.\1'))
    return rules


def convert_xview2(state: Dict[str, torch.Tensor],
                   model: str,
                   rgb_input: bool = True) -> 'OrderedDict[str, torch.Tensor]':
    """Rename an original state dict to the cmkd_mm xView2 SE-ResNeXt50 UNet.

    Mapping (original key -> ours; the layouts are the same, so tensors are copied as they are,
    except the stem conv's input channels with ``rgb_input``):

    * encoder stem: ``conv1.0`` (7x7 conv) -> ``backbone.conv1``, ``conv1.1`` (BN) ->
      ``backbone.bn1``; ``conv1.2`` (ReLU) and ``conv2.0`` (max-pool) have no weights.
    * stages: ``conv2.1.<i>`` -> ``backbone.layer1.<i>``, ``conv3/4/5.<i>`` ->
      ``backbone.layer2/3/4.<i>``; in each Cadene ``SEResNeXtBottleneck`` ``conv1/2/3`` and
      ``bn1/2/3`` keep their names (``conv2`` is the grouped 3x3, 32 groups, in both),
      ``downsample.0/1`` too, and the SE 1x1 convs ``se_module.fc1/fc2`` ->
      mmpretrain ``se_layer.conv1.conv`` / ``se_layer.conv2.conv``.
    * decoder (each original ``ConvRelu`` is ``layer = Sequential(Conv2d, ReLU)``):
      ``conv6/conv6_2 ... conv9/conv9_2`` -> ``decode_head.blocks.0..3.up_conv/fuse_conv``,
      ``conv10`` -> ``decode_head.final_conv``, the head ``res`` -> ``decode_head.conv_seg``.
      For ``'double'`` ``res`` takes ``cat(dec10(pre), dec10(post))``; ours concatenates the
      views in the same order, so its input channels are kept as they are.

    The widths are read from the tensors, so the ``_KD`` students convert the same way.

    Args:
        state (dict): Original state dict (``module.`` prefix already removed).
        model (str): ``'loc'`` (``SeResNext50_Unet_Loc`` / ``_Loc_KD``, one building logit) or
            ``'double'`` (``SeResNext50_Unet_Double`` / ``_Double_KD``, 5 damage logits).
        rgb_input (bool): The original code reads images with ``cv2.imread`` (BGR), our loaders give
            RGB: reverse the input channels of the stem conv so the converted model gives the
            original output on RGB input (the normalisation is the same for every channel).
            False keeps the weights for BGR input. Defaults to True.

    Returns:
        OrderedDict: The state dict of the cmkd_mm model.
    """
    if model not in ORIGINAL_CLASSES:
        raise ValueError(f"model must be one of {sorted(ORIGINAL_CLASSES)}, got {model!r}")
    for key in ('res.weight', 'conv10.layer.0.weight'):
        if key not in state:
            raise KeyError(f'{key} not in the source: not an xView2 SeResNext50_Unet state dict')
    res, dec10 = state['res.weight'], state['conv10.layer.0.weight']
    want = (ORIGINAL_CLASSES[model], ORIGINAL_VIEWS[model] * dec10.shape[0])
    if tuple(res.shape[:2]) != want:
        raise ValueError(f'res.weight has shape {tuple(res.shape)}, a {model!r} model has '
                         f'{want[0]} outputs from {want[1]} channels: check --model')
    out = rename(state, _rules())
    if rgb_input:
        out['backbone.conv1.weight'] = out['backbone.conv1.weight'].flip(1).contiguous()
    return out


def convert_xview2_checkpoint(src: str,
                              out: str,
                              model: str,
                              config: str,
                              rgb_input: bool = True) -> str:
    """Convert a checkpoint of the original xView2 code, check it fills ``config``'s model,
    save it.

    Args:
        src (str): Original checkpoint (e.g. ``res50_loc_0_tuned_best``).
        out (str): Output checkpoint (``state_dict`` + ``meta``, as mmengine saves).
        model (str): ``'loc'`` or ``'double'`` (see :func:`convert_xview2`).
        config (str): Config of the target model (a distillation config: its student).
        rgb_input (bool): See :func:`convert_xview2`. Defaults to True.

    Returns:
        str: ``out``.
    """
    state = convert_xview2(load_source(src), model, rgb_input)
    check_complete(target_model(config), state)
    meta = dict(
        source=osp.basename(src),
        original_model=model,
        config=config,
        converter='cmkd_mm.zoo.converters.xview2',
        input_channel_order='rgb' if rgb_input else 'bgr')
    return save_converted(state, out, meta)
