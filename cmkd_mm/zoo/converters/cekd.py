"""The original CEKD code (Feng et al., RA-L 2023) -> the cmkd_mm CENet teacher and EKNet
student.

The original CEKD code (``lab-sun/CEKD@262ada2``, ``TSmodel/Teacher_model.py``,
``TSmodel/Student_model.py``) saves bare state dicts (``torch.save(model.state_dict(),
'final.pth')`` in ``trainTeacher.py`` / ``trainStudent.py``). The targets are the ``cenet`` and
``eknet`` models of ``configs/_base_/models/cekd_r50-bot.py``. Every tensor has the same layout in
both (the BoT ``to_qkv`` is ``[q | k | v]`` with heads outermost in both, the position tables are
``(length, dim_head)`` in both, transposed convs are ``(in, out, 2, 2)`` in both), so the
conversion only renames keys; :func:`convert_cekd` documents the mapping.
"""
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Optional

import torch

from .base import (check_complete, fill_num_batches_tracked, load_source, rename, save_converted,
                   target_model)

ORIGINAL_CODE = 'lab-sun/CEKD@262ada2'
#: Our model name -> the original code's class.
ORIGINAL_MODELS = dict(cenet='Teacher_model', eknet='Student_model')

_BN_KEYS = 'weight|bias|running_mean|running_var|num_batches_tracked'
_BN = f'({_BN_KEYS})'  # any parameter / buffer of a conv, linear or batch-norm layer
# A torchvision Bottleneck and an mmseg Bottleneck name their weights alike.
_TV = rf'(\d+\.(?:conv[123]\.weight|bn[123]\.(?:{_BN_KEYS})|downsample\.0\.weight|' \
      rf'downsample\.1\.(?:{_BN_KEYS})))'
# Original TransBottleneck -> our TransBottleneck (``body``: conv BN ReLU conv BN ReLU conv BN);
# its ``upsample.0/1`` are our ``shortcut.0/1``.
_TRANS = dict(
    conv1='body.0', bn1='body.1', conv2='body.3', bn2='body.4', conv3='body.6', bn3='body.7')
# Original newEdgeSeg -> our EdgeModule.
_EDGE = {
    'skip2conv': 'stem.0',
    'skip2bn': 'stem.1',
    'cdcm.conv1': 'cdcm.reduce.1',
    'cdcm.conv2_1': 'cdcm.branches.0',
    'cdcm.conv2_2': 'cdcm.branches.1',
    'cdcm.conv2_3': 'cdcm.branches.2',
    'cdcm.conv2_4': 'cdcm.branches.3',
    'csam.conv1': 'csam.attention.1',
    'csam.conv2': 'csam.attention.2',
    'conv1x1': 'classifier'
}
# Original createMask.expweight (expWeightV2) -> our ThermalEnhancementModule.
_MASK = dict(
    conv1='features.1',
    bn1='features.2',
    conv2='features.5',
    bn2='features.6',
    fc1='fc.0',
    bn3='fc.1',
    fc2='fc.3')


def _stream_rules(theirs: str, ours: str) -> List[tuple]:
    """Rules of one original encoder (``encoder_<theirs>_*``) into our ``BoTResNet`` at
    ``ours``."""
    s, stack = f'encoder_{theirs}_', rf'encoder_{theirs}_layer4\.net\.(\d+)'
    return [
        (rf'{s}conv1\.weight', f'{ours}.conv1.weight'),
        (rf'{s}bn1\.{_BN}', rf'{ours}.bn1.\1'),
        (rf'{s}layer([1-3])\.{_TV}', rf'{ours}.layer\1.\2'),
        # BottleStack.net.<i> = BottleBlock; its ``net`` indices are our ``body`` indices.
        (rf'{stack}\.net\.3\.to_qkv\.weight', rf'{ours}.layer4.\1.body.3.qkv.weight'),
        (rf'{stack}\.net\.3\.pos_emb\.(height|width)', rf'{ours}.layer4.\1.body.3.pos_emb.\2'),
        (rf'{stack}\.net\.([07])\.weight', rf'{ours}.layer4.\1.body.\2.weight'),
        (rf'{stack}\.net\.([158])\.{_BN}', rf'{ours}.layer4.\1.body.\2.\3'),
        (rf'{stack}\.shortcut\.0\.weight', rf'{ours}.layer4.\1.shortcut.0.weight'),
        (rf'{stack}\.shortcut\.1\.{_BN}', rf'{ours}.layer4.\1.shortcut.1.\2'),
    ]


def _rules(model: str) -> List[tuple]:
    """The ordered ``(pattern, replacement)`` rules of :func:`convert_cekd`."""
    if model == 'cenet':
        rules = _stream_rules('rgb', 'backbone.main') + _stream_rules('thermal', 'backbone.aux')
        rules += [(rf'edge\.{re.escape(theirs)}\.{_BN}', rf'decode_head.edge_module.{ours}.\1')
                  for theirs, ours in _EDGE.items()]
    else:
        rules = _stream_rules('thermal', 'backbone')
        rules += [(rf'createMask\.expweight\.{theirs}\.{_BN}', rf'enhancement.{ours}.\1')
                  for theirs, ours in _MASK.items()]
    rules += [(rf'deconv([1-5])\.(\d+)\.{theirs}\.{_BN}', rf'decode_head.deconv\1.\2.{ours}.\3')
              for theirs, ours in _TRANS.items()]
    rules += [(rf'deconv([1-5])\.(\d+)\.upsample\.([01])\.{_BN}',
               r'decode_head.deconv\1.\2.shortcut.\3.\4'),
              (r'skip_tranform\.(weight|bias)', r'decode_head.skip_transform.\1')]
    return rules


def detect_original_model(state: Dict[str, torch.Tensor]) -> Optional[str]:
    """``'cenet'`` or ``'eknet'`` from the original code's keys only one of them has; None if
    neither.

    Args:
        state (dict): A state dict of the original CEKD code.
    """
    if any(k.startswith(('encoder_rgb_', 'edge.')) for k in state):
        return 'cenet'
    if any(k.startswith('createMask.') for k in state):
        return 'eknet'
    return None


def convert_cekd(state: Dict[str, torch.Tensor], model: str) -> 'OrderedDict[str, torch.Tensor]':
    """Rename a state dict of the original CEKD code to our CENet or EKNet.

    Mapping (original key -> ours; tensors are kept as they are):

    * encoders (torchvision ResNet-50, layer4 a ``BottleStack``): ``encoder_rgb_*`` ->
      ``backbone.main.*`` and ``encoder_thermal_*`` -> ``backbone.aux.*`` (CENet), or
      ``encoder_thermal_*`` -> ``backbone.*`` (EKNet). ``conv1``, ``bn1`` and
      ``layer1-3.<i>.{conv1-3, bn1-3, downsample.0/1}`` keep their names (mmseg's ResNet names
      them as torchvision does); ``relu`` and ``maxpool`` have no weights.
    * BoT stage: ``layer4.net.<i>.net.<j>`` -> ``layer4.<i>.body.<j>`` (the same Sequential: 0
      conv, 1 BN, 3 attention, 5 BN, 7 conv, 8 BN), ``net.3.to_qkv`` -> ``body.3.qkv``,
      ``net.3.pos_emb.height/width`` (absolute 2-D embedding, ``(h, dim_head)`` /
      ``(w, dim_head)``) -> ``body.3.pos_emb.height/width``, ``layer4.net.<i>.shortcut.0/1`` ->
      ``layer4.<i>.shortcut.0/1``.
    * decoder: ``deconv1-5.<i>.{conv1, bn1, conv2, bn2, conv3, bn3}`` ->
      ``decode_head.deconv1-5.<i>.body.{0, 1, 3, 4, 6, 7}``, ``upsample.0/1`` -> ``shortcut.0/1``,
      ``skip_tranform`` -> ``decode_head.skip_transform``.
    * CENet edge branch ``edge`` (``newEdgeSeg``) -> ``decode_head.edge_module``:
      ``skip2conv/skip2bn`` -> ``stem.0/1``, ``cdcm.conv1`` -> ``cdcm.reduce.1``,
      ``cdcm.conv2_1-4`` (dilations 5, 7, 9, 11) -> ``cdcm.branches.0-3``, ``csam.conv1/conv2``
      -> ``csam.attention.1/2``, ``conv1x1`` -> ``classifier``. The original module ends with
      a sigmoid, ours returns the logits and the decoder adds their sigmoid: the same forward.
    * EKNet thermal enhancement ``createMask.expweight`` (``expWeightV2``) -> ``enhancement``:
      ``conv1/bn1`` -> ``features.1/2``, ``conv2/bn2`` -> ``features.5/6``, ``fc1/bn3/fc2`` ->
      ``fc.0/1/3``.

    A batch-norm layer without ``num_batches_tracked`` (torch < 0.4.1) gets 0, as torch itself
    does when loading such a checkpoint.

    Args:
        state (dict): The original code's state dict (``Teacher_model`` for ``'cenet'``,
            ``Student_model`` for ``'eknet'``; ``module.`` prefix already removed).
        model (str): ``'cenet'`` (teacher, RGB + thermal) or ``'eknet'`` (student, thermal).

    Returns:
        OrderedDict: The state dict of our model (``backbone``, ``decode_head`` and, for EKNet,
        ``enhancement``).
    """
    if model not in ORIGINAL_MODELS:
        raise ValueError(f'model must be one of {sorted(ORIGINAL_MODELS)}, got {model!r}')
    found = detect_original_model(state)
    if found is not None and found != model:
        raise ValueError(f'the source is a {ORIGINAL_MODELS[found]} ({found}) state dict, not a '
                         f'{ORIGINAL_MODELS[model]}: use model={found!r}')
    return fill_num_batches_tracked(rename(state, _rules(model)))


def convert_cekd_checkpoint(src: str, out: str, model: str, config: str) -> str:
    """Convert a checkpoint of the original CEKD code, check that it fills the model of
    ``config``, save it.

    Args:
        src (str): The original code's checkpoint (e.g. ``weights_backup/Teacher_model/final.pth``).
        out (str): The converted checkpoint (``state_dict`` + ``meta``, as mmengine saves).
        model (str): ``'cenet'`` or ``'eknet'`` (see :func:`convert_cekd`).
        config (str): Config of the target model (see :func:`target_model`).

    Returns:
        str: ``out``.
    """
    state = convert_cekd(load_source(src), model)
    check_complete(target_model(config, 'teacher' if model == 'cenet' else 'student'), state)
    meta = dict(
        source=osp.basename(src),
        original_code=ORIGINAL_CODE,
        original_model=ORIGINAL_MODELS[model],
        config=config,
        converter='cmkd_mm.zoo.converters.cekd')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    return save_converted(state, out, meta)
