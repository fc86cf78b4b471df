"""Sensor failure: one modality missing or degraded, injected after normalisation.

A failed sensor is simulated where its statistics are known, on the normalised image
``x = (raw - mean) / std`` of one modality (one ``C x H x W`` image, or a batch):

* ``'zero'``: the sensor delivers black frames, raw value 0 everywhere, i.e.
  ``(0 - mean) / std`` after normalisation (per channel).
* ``'mean'``: the missing sensor is imputed with its training mean, i.e. 0 after normalisation.
* ``'noise'``: the sensor is degraded by additive Gaussian noise of ``sigma = level x std`` of the
  modality (raw units), i.e. ``x + level * N(0, 1)`` after normalisation. The noise is drawn from
  a generator seeded with ``seed``: the same test run (same data order and batch size) gets the
  same noise every time.

``level`` is used by ``'noise'`` only. A *sensor* may be stored as several modalities (the three
gated slices ``gated0``, ``gated1``, ``gated2`` of Seeing Through Fog): :func:`sensor_modalities`
resolves ``'gated'`` to them, and :class:`ModalityFailure` fails each of them.
"""
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch

FAILURE_MODES = ('zero', 'mean', 'noise')


def fail_modality(x: torch.Tensor,
                  mode: str,
                  mean: torch.Tensor,
                  std: torch.Tensor,
                  generator: Optional[torch.Generator] = None,
                  level: float = 1.0) -> torch.Tensor:
    """The normalised image ``x`` of a modality as the failed sensor would give it.

    Args:
        x (Tensor): Normalised image(s), ``C x H x W`` or ``N x C x H x W``.
        mode (str): ``'zero'``, ``'mean'`` or ``'noise'`` (see the module docstring).
        mean, std (Tensor): The modality's normalisation statistics, ``C x 1 x 1`` (or one value
            for all channels), in raw units.
        generator (torch.Generator, optional): CPU generator of the ``'noise'`` mode.
        level (float): Noise sigma in units of the modality's std (``'noise'`` only).

    Returns:
        Tensor: A new tensor of the shape, dtype and device of ``x``.
    """
    if mode == 'zero':
        black = (0. - mean.to(x)) / std.to(x)
        return black.expand_as(x).clone()
    if mode == 'mean':
        return torch.zeros_like(x)
    if mode == 'noise':
        noise = torch.randn(x.shape, generator=generator, dtype=torch.float32)
        return x + level * noise.to(device=x.device, dtype=x.dtype)
    raise ValueError(f'unknown failure mode {mode!r}; use one of {FAILURE_MODES}')


def sensor_modalities(names: Union[str, Sequence[str]],
                      modalities: Sequence[str],
                      what: str = 'the modalities') -> List[str]:
    """The modalities of the sensors ``names``, in the order of ``modalities``.

    A name is a modality, or a sensor stored as numbered modalities (``'gated'`` ->
    ``gated0, gated1, gated2``).

    Raises:
        ValueError: a name is neither, naming ``what`` (the ``modalities``) there are.
    """
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ValueError('name at least one modality to fail')
    chosen = set()
    for name in names:
        found = [m for m in modalities if m == name or re.fullmatch(re.escape(name) + r'\d+', m)]
        if not found:
            raise ValueError(f'"{name}" is none of {what}: {list(modalities)}')
        chosen.update(found)
    return [m for m in modalities if m in chosen]


class ModalityFailure:
    """Fail the modalities of one sensor in one mode (``MultiModalDataPreprocessor(failure=...)``).

    Args:
        modality (str | list[str]): The sensor(s) to fail (see :func:`sensor_modalities`).
        mode (str): ``'zero'``, ``'mean'`` or ``'noise'``.
        level (float): Noise sigma in units of the modality's std (``'noise'`` only).
        seed (int): Seed of the noise generator.
        allowed (list[str], optional): The modalities that may fail (those the model reads).
    """

    def __init__(self,
                 modality: Union[str, Sequence[str]],
                 mode: str,
                 level: float = 1.0,
                 seed: int = 0,
                 allowed: Optional[Sequence[str]] = None) -> None:
        if mode not in FAILURE_MODES:
            raise ValueError(f'unknown failure mode {mode!r}; use one of {FAILURE_MODES}')
        if not isinstance(level, (int, float)) or level < 0:
            raise ValueError(f'failure level must be a number >= 0, got {level!r}')
        names = [modality] if isinstance(modality, str) else list(modality)
        self.modalities = names if allowed is None else sensor_modalities(
            names, allowed, 'the modalities the views read (those that can fail)')
        self.mode, self.level, self.seed = mode, float(level), int(seed)
        self.generator = torch.Generator().manual_seed(self.seed)

    def __repr__(self) -> str:
        return (f'ModalityFailure(modalities={self.modalities}, mode={self.mode!r}, '
                f'level={self.level}, seed={self.seed})')

    def __deepcopy__(self, memo) -> 'ModalityFailure':  # a fresh generator, same seed
        return ModalityFailure(self.modalities, self.mode, self.level, self.seed)

    def apply(self, normed: Dict[str, List[torch.Tensor]],
              stats: Callable[[str], Tuple[torch.Tensor, torch.Tensor]]) -> Dict:
        """Fail the images ``normed[modality]`` (lists of normalised images), in a fixed order;
        ``stats(name)`` gives a modality's ``(mean, std)``."""
        for name in self.modalities:
            if name in normed:
                mean, std = stats(name)
                normed[name] = [
                    fail_modality(x, self.mode, mean, std, self.generator, self.level)
                    for x in normed[name]
                ]
        return normed
