"""The NTIRE 2021 MAVOC KD code (Yang & Xu, CVPRW 2021) -> cmkd_mm mmpretrain classifier.

The NTIRE 2021 code
(``Hansxsourse/Cross-Modality-Knowledge-Distillation-for-Multi-modal-Aerial-View-Object-
Classification``, notebooks ``baseline``, ``KD1``, ``KD2``) trains torchvision's ``resnet34`` with
``conv1`` replaced by ``nn.Conv2d(1, 64, 7, 2, 3, bias=False)`` and ``fc`` by ``nn.Linear(512,
10)``, and saves whole models (``torch.save(model, PATH)``, e.g. ``pre-train/pre_EO.pt``,
``KD1/resnet34_kd114.pt``). The network is the one of
``configs/_base_/models/resnet34_1ch_mavoc.py``; only the key names differ:

==================================  ==========================================
torchvision (NTIRE 2021 code)       mmpretrain ``ImageClassifier``
==================================  ==========================================
``conv1``, ``bn1``                  ``backbone.conv1``, ``backbone.bn1``
``layerX.Y.{conv1,bn1,conv2,bn2}``  ``backbone.layerX.Y.{conv1,bn1,conv2,bn2}``
``layerX.0.downsample.{0,1}``       ``backbone.layerX.0.downsample.{0,1}``
``fc``                              ``head.fc``
==================================  ==========================================

The NTIRE 2021 code normalises its inputs with fixed constants (``ToTensor`` then
``Normalize``); configs whose modalities are ``'auto'`` keep the statistics as buffers of the
data preprocessor, so :func:`convert_ntire2021_checkpoint` writes the original constants there
(in the 8-bit units our loaders give), and the converted model sees its inputs as the original
model did.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, Iterable, Optional

import torch

from .base import (check_complete, fill_num_batches_tracked, load_source, rename, save_converted,
                   target_model)

ORIGINAL_CODE = (
    'Hansxsourse/Cross-Modality-Knowledge-Distillation-for-Multi-modal-Aerial-View-Object-'
    'Classification@89b6c03')
# The original code's Normalize constants in its [0, 1] units (mean, std); our 8-bit loaders
# give 0-255. The same numbers as ``original_modality_stats`` in
# configs/_base_/datasets/mavoc2021.py.
ORIGINAL_STATS = dict(eo=(0.2913437, 0.12694514), sar=(0.4062625, 0.12694514))

RULES = [
    (r'(conv1|bn1)\.(.+)', r'backbone.\1.\2'),
    (r'(layer[1-4]\.\d+\.(?:conv[12]|bn[12]|downsample\.[01])\..+)', r'backbone.\1'),
    (r'fc\.(weight|bias)', r'head.fc.\1'),
]


def convert_ntire2021(state: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """Rename the NTIRE 2021 code's torchvision ResNet-34 weights to the mmpretrain classifier's.

    A batch-norm layer without ``num_batches_tracked`` (checkpoints of torch < 0.4.1) gets 0,
    as torch itself does when loading such a checkpoint.

    Args:
        state (dict): The original model's state dict (torchvision key names).

    Returns:
        OrderedDict: ``backbone.*`` and ``head.fc.*`` weights.
    """
    return fill_num_batches_tracked(rename(state, RULES))


def original_stats_state(modalities: Iterable[str],
                         scale: float = 255.) -> 'OrderedDict[str, torch.Tensor]':
    """The data preprocessor buffers holding the NTIRE 2021 code's normalisation of
    ``modalities``.

    Args:
        modalities (Iterable[str]): ``'eo'`` and / or ``'sar'``.
        scale (float): The loader's units per unit of the original code (255 for 8-bit chips).
    """
    out = OrderedDict()
    for name in modalities:
        if name not in ORIGINAL_STATS:
            raise KeyError(f'the NTIRE 2021 code has no statistics of modality "{name}" '
                           f'(has {sorted(ORIGINAL_STATS)})')
        for key, value in zip(('mean', 'std'), ORIGINAL_STATS[name]):
            out[f'data_preprocessor.{name}_{key}'] = torch.full((1, 1, 1), value * scale)
    return out


def load_ntire2021(path: str) -> 'OrderedDict[str, torch.Tensor]':
    """The tensors of a ``.pt`` of the NTIRE 2021 code: a state dict, or a whole pickled model whose
    code (torchvision) can be imported here.

    Args:
        path (str): The original checkpoint.
    """
    try:
        return load_source(path)
    except (ImportError, AttributeError) as err:  # unpickling needs the model's classes
        stem = osp.splitext(path)[0]
        raise RuntimeError(
            f'{path} is a whole pickled model whose code cannot be imported here ({err}). On a '
            'machine with torchvision, save its state dict and convert that file:\n'
            f'  python -c "import torch; torch.save(torch.load(\'{path}\', map_location=\'cpu\', '
            f'weights_only=False).state_dict(), \'{stem}_state_dict.pth\')"') from err


def convert_ntire2021_checkpoint(src: str,
                                 out: str,
                                 config: str,
                                 meta: Optional[dict] = None) -> str:
    """Convert a checkpoint of the NTIRE 2021 code for the model of ``config`` and save it.

    Args:
        src (str): The original ``.pt`` (state dict or whole model).
        out (str): The converted checkpoint (``dict(state_dict=..., meta=...)``).
        config (str): A classifier config, or a distillation config (its student is the target).
        meta (dict, optional): More ``meta`` entries.

    Returns:
        str: ``out``.
    """
    state = convert_ntire2021(load_ntire2021(src))
    model = target_model(config)
    auto = getattr(model.data_preprocessor, 'auto_modalities', [])
    state.update(original_stats_state(auto))
    for name in auto:  # measured statistics take the checkpoint's shape when loaded
        model.data_preprocessor.set_stats(name, [0.], [1.])
    check_complete(model, state)
    info = dict(
        source=osp.basename(src), original_code=ORIGINAL_CODE, converter='ntire2021', config=config)
    if auto:
        info['modality_stats'] = 'original constants (x255) for ' + ', '.join(auto)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    return save_converted(state, out, dict(info, **(meta or {})))
