"""Load a pretrained checkpoint into a model whose first conv takes more (or fewer) channels."""
from typing import Optional, Sequence

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.model.weight_init import update_init_info
from mmengine.registry import WEIGHT_INITIALIZERS
from mmengine.runner.checkpoint import (_load_checkpoint, _load_checkpoint_with_prefix,
                                        load_state_dict)


def inflate_conv_weight(weight: torch.Tensor, in_channels: int) -> torch.Tensor:
    """Give a conv kernel ``in_channels`` input channels.

    The first ``min(C, in_channels)`` channels are copied; every extra channel is the mean of the
    pretrained filters over their input channels (an RGB kernel seeing a gated slice responds as
    to a grey image of that slice, up to scale). With fewer channels than the checkpoint (e.g. a
    1-channel SAR input from an RGB checkpoint) every channel is that mean.

    Args:
        weight (torch.Tensor): ``out x C x kh x kw`` pretrained kernel.
        in_channels (int): Input channels of the new conv.

    Returns:
        torch.Tensor: ``out x in_channels x kh x kw`` kernel.
    """
    mean = weight.mean(dim=1, keepdim=True)
    if in_channels < weight.shape[1]:
        return mean.repeat(1, in_channels, 1, 1)
    extra = mean.repeat(1, in_channels - weight.shape[1], 1, 1)
    return torch.cat([weight, extra], dim=1)


@WEIGHT_INITIALIZERS.register_module(name='InflatedPretrained')
class InflatedPretrainedInit:
    """``Pretrained`` init that adapts convs whose input channel count differs.

    A 6-channel early-fusion teacher (RGB + 3 gated slices) cannot load the ``conv1`` of an RGB
    checkpoint as is; mmengine's ``Pretrained`` init skips it and leaves it random. Here such a
    kernel is *inflated* (``inflate='mean'``, see :func:`inflate_conv_weight`), or left random as
    the Seeing Through Fog CMKD code does (``inflate='random'``). Other mismatching tensors (e.g. a
    head with another class count) are skipped with mmengine's usual warning.

    Use it as ``init_cfg`` of the backbone (torchvision/ImageNet weights) or of the whole detector
    (a COCO-trained detector checkpoint), e.g.
    ``init_cfg=dict(type='InflatedPretrained', checkpoint='torchvision://resnet50')``.

    Args:
        checkpoint (str): Path or URL of the checkpoint.
        prefix (str, optional): Load only the sub-module with this prefix (e.g. ``'backbone.'``).
        map_location (str): Where to map the tensors.
        inflate (str): ``'mean'`` (default) or ``'random'``.
        reset (sequence[str]): Parameter-name prefixes to leave random even when the shapes
            match, e.g. ``('backbone.conv1.',)`` to reproduce the original CMKD detector code's
            fresh conv1 of the RGB student as well.
    """

    def __init__(self,
                 checkpoint: str,
                 prefix: Optional[str] = None,
                 map_location: str = 'cpu',
                 inflate: str = 'mean',
                 reset: Sequence[str] = ()) -> None:
        if inflate not in ('mean', 'random'):
            raise ValueError(f'inflate must be "mean" or "random", got {inflate!r}')
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.map_location = map_location
        self.inflate = inflate
        self.reset = tuple(reset)

    def _state_dict(self) -> dict:
        try:
            if self.prefix is not None:
                return _load_checkpoint_with_prefix(self.prefix, self.checkpoint, self.map_location)
            ckpt = _load_checkpoint(self.checkpoint, map_location=self.map_location)
        except (OSError, ImportError, RuntimeError) as err:
            raise RuntimeError(
                f'InflatedPretrained: cannot load {self.checkpoint} ({err}). Download it and '
                'point init_cfg.checkpoint at the local file, or train from scratch with '
                '--cfg-options model.init_cfg=None (distillation configs: '
                'model.architecture.init_cfg=None model.teacher.init_cfg=None).') from err
        state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
        return {k[7:] if k.startswith('module.') else k: v for k, v in state.items()}

    def __call__(self, module: torch.nn.Module) -> None:
        print_log(
            f'load {self.prefix or "model"} from {self.checkpoint} (conv inflation: '
            f'{self.inflate})',
            logger='current')
        # mmengine runs a non-``Pretrained`` init before the sub-modules' own ``init_weights``,
        # which would overwrite the loaded weights: let them initialise first, load on top, and
        # mark them initialised. Tensors the checkpoint lacks keep their proper init.
        for child in module.children():
            if hasattr(child, 'init_weights') and not getattr(child, 'is_init', False):
                child.init_weights()
        state = self._state_dict()
        own = module.state_dict()
        for key in list(state):
            if any(key.startswith(p) for p in self.reset):
                del state[key]
                continue
            theirs, mine = state[key], own.get(key)
            if (mine is None or theirs.ndim != 4 or mine.ndim != 4
                    or theirs.shape[1] == mine.shape[1] or theirs.shape[0] != mine.shape[0]
                    or theirs.shape[2:] != mine.shape[2:]):
                continue
            if self.inflate == 'mean':
                state[key] = inflate_conv_weight(theirs, mine.shape[1])
                print_log(
                    f'inflated {key}: {tuple(theirs.shape)} -> {tuple(mine.shape)}',
                    logger='current')
            else:
                del state[key]
                print_log(
                    f'{key}: {tuple(theirs.shape)} vs {tuple(mine.shape)}, kept random',
                    logger='current')
        load_state_dict(module, state, strict=False, logger='current')
        for sub in module.modules():
            if isinstance(sub, BaseModule) and sub is not module:
                sub._is_init = True
        if hasattr(module, '_params_init_info'):
            update_init_info(
                module,
                init_info=f'{self.__class__.__name__}: load from '
                f'{self.checkpoint} (inflate={self.inflate})')
