"""Two-stream RGB-thermal encoder with element-wise add fusion (RTFNet / CEKD CENet)."""
from typing import Optional, Sequence, Tuple

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class FusionResNet(BaseModule):
    """Run a main (RGB) and an auxiliary (thermal) ResNet side by side, adding the auxiliary
    features into the main stream after the stem and after every stage.

    The input is the teacher view with the channels of both streams stacked (e.g. ``rgb`` then
    ``thermal``, 4 channels); it is split by ``split_channels``. At each level the auxiliary
    stream continues from its own features, the main stream from the sum::

        s0 = stem_m(x_m) + stem_a(x_a)             (fused stem, stride 2; max-pool on each)
        s_i = layer_i^m(s_{i-1}) + layer_i^a(a_{i-1}),  a_i = layer_i^a(a_{i-1})

    and the fused maps are returned (the stem first when ``out_stem``, then the stages in
    ``out_indices``), as CEKD's decoder skips. Each stream is a backbone config with a
    ``forward_stem`` and a ``maxpool`` (:class:`BoTResNet`); their ``init_cfg`` initialise them
    (e.g. an ImageNet checkpoint for RGB and ``InflatedPretrained`` for the 1-channel thermal
    conv1 from the mean of the RGB filters).

    Args:
        main (dict): Config of the main (RGB) stream.
        aux (dict): Config of the auxiliary (thermal) stream; same stage widths.
        split_channels (Sequence[int]): Input channels of ``main`` and ``aux``.
        out_indices (Sequence[int]): Stages to return (0-3).
        out_stem (bool): Return the fused stem first.
        init_cfg (dict, optional): Initialisation config of the whole encoder.
    """

    def __init__(self,
                 main: dict,
                 aux: dict,
                 split_channels: Sequence[int] = (3, 1),
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 out_stem: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.split_channels = tuple(split_channels)
        if len(self.split_channels) != 2:
            raise ValueError(f'split_channels needs 2 entries, got {split_channels}')
        self.main = MODELS.build(dict(main, in_channels=self.split_channels[0]))
        self.aux = MODELS.build(dict(aux, in_channels=self.split_channels[1]))
        if len(self.main.res_layers) != len(self.aux.res_layers):
            raise ValueError('FusionResNet: main and aux need the same number of stages')
        self.out_indices = tuple(out_indices)
        self.out_stem = out_stem

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Return the fused feature maps, finest first."""
        if x.shape[1] != sum(self.split_channels):
            raise ValueError(f'FusionResNet expects {sum(self.split_channels)} input channels '
                             f'(split {self.split_channels}), got {x.shape[1]}; check the '
                             'teacher view of the data preprocessor')
        x_m, x_a = x.split(self.split_channels, dim=1)
        a = self.aux.forward_stem(x_a)
        m = self.main.forward_stem(x_m) + a
        outs = [m] if self.out_stem else []
        m, a = self.main.maxpool(m), self.aux.maxpool(a)
        for i, (name_m, name_a) in enumerate(zip(self.main.res_layers, self.aux.res_layers)):
            a = getattr(self.aux, name_a)(a)
            m = getattr(self.main, name_m)(m) + a
            if i in self.out_indices:
                outs.append(m)
        return tuple(outs)
