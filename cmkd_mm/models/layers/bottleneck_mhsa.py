"""BoTNet blocks: ResNet bottlenecks whose 3x3 conv is multi-head self-attention.

Srinivas et al., "Bottleneck Transformers for Visual Recognition" (CVPR 2021). CEKD replaces
layer4 of both ResNet-50 encoders by a stack of three of these blocks (``heads=4``,
``dim_head=512``, ``proj_factor=4``, absolute 2-D position embedding, trained from scratch).
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class AbsolutePositionEmbedding2d(nn.Module):
    """Absolute 2-D position embedding ``r[y, x] = height[y] + width[x]`` of one head size.

    The tables are learnt for ``fmap_size``. For another feature size each table is resized
    with linear interpolation (``align_corners=False``), so the block runs on any input size;
    at ``fmap_size`` the embedding is exactly the learnt one.

    Args:
        fmap_size (tuple[int, int]): ``(h, w)`` the tables are learnt for.
        dim_head (int): Channels per attention head.
    """

    def __init__(self, fmap_size: Tuple[int, int], dim_head: int) -> None:
        super().__init__()
        scale = dim_head**-0.5
        self.height = nn.Parameter(torch.randn(fmap_size[0], dim_head) * scale)
        self.width = nn.Parameter(torch.randn(fmap_size[1], dim_head) * scale)

    @staticmethod
    def _resize(table: Tensor, length: int) -> Tensor:
        if table.shape[0] == length:
            return table
        return F.interpolate(
            table.t()[None], size=length, mode='linear', align_corners=False)[0].t()

    def forward(self, size: Tuple[int, int]) -> Tensor:
        """Return the embedding of every position, ``(h * w, dim_head)``, row-major."""
        height = self._resize(self.height, size[0])
        width = self._resize(self.width, size[1])
        return (height[:, None, :] + width[None, :, :]).flatten(0, 1)


class MultiHeadSelfAttention2d(nn.Module):
    """All-to-all multi-head self-attention over the pixels of a feature map.

    ``q, k, v = 1x1 conv(x)`` (no bias), split into ``heads`` of ``dim_head`` channels; for
    each head ``A = softmax((q k^T + q r^T) / sqrt(dim_head))`` over the key pixels, ``r``
    the absolute position embedding; the output is ``A v`` with the heads concatenated,
    ``heads * dim_head`` channels at the input size.

    Args:
        in_channels (int): Input channels.
        fmap_size (tuple[int, int]): Feature size the position tables are learnt for.
        heads (int): Number of heads.
        dim_head (int): Channels per head.
    """

    def __init__(self,
                 in_channels: int,
                 fmap_size: Tuple[int, int],
                 heads: int = 4,
                 dim_head: int = 128) -> None:
        super().__init__()
        self.heads = heads
        self.dim_head = dim_head
        self.scale = dim_head**-0.5
        self.qkv = nn.Conv2d(in_channels, heads * dim_head * 3, 1, bias=False)
        self.pos_emb = AbsolutePositionEmbedding2d(fmap_size, dim_head)

    def forward(self, x: Tensor) -> Tensor:
        n, _, h, w = x.shape
        # (N, 3 * heads * d, h, w) -> 3 x (N, heads, hw, d)
        q, k, v = self.qkv(x).view(n, 3, self.heads, self.dim_head, h * w).transpose(-1, -2) \
            .unbind(1)
        pos = self.pos_emb((h, w))  # (hw, d)
        logits = (q @ k.transpose(-1, -2) + q @ pos.t()) * self.scale
        out = logits.softmax(dim=-1) @ v  # (N, heads, hw, d)
        return out.transpose(-1, -2).reshape(n, self.heads * self.dim_head, h, w)


class BoTBlock(nn.Module):
    """Bottleneck with MHSA in place of the 3x3 conv.

    ``x -> 1x1 conv (-> out_channels / proj_factor) + BN + ReLU -> MHSA -> [2x2 avg-pool] ->
    BN + ReLU -> 1x1 conv (-> out_channels) + BN``, plus the shortcut, then ReLU. The shortcut
    is ``3x3 s2 conv + BN + ReLU`` when downsampling, ``1x1 conv + BN + ReLU`` when only the
    channels change (the ReLU on the shortcut follows CEKD's BoTNet code), identity otherwise.
    The last BN starts with zero weight, so a new block starts as its shortcut.

    The average pool uses ``ceil_mode=True`` so that odd sizes agree with the strided shortcut
    (identical for the even sizes of CEKD).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        fmap_size (tuple[int, int]): Input feature size the position tables are learnt for.
        heads (int): Attention heads.
        dim_head (int): Channels per head.
        proj_factor (int): Bottleneck reduction ``out_channels / attention input channels``.
        downsample (bool): Halve the spatial size.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 fmap_size: Tuple[int, int],
                 heads: int = 4,
                 dim_head: int = 128,
                 proj_factor: int = 4,
                 downsample: bool = False) -> None:
        super().__init__()
        if downsample or in_channels != out_channels:
            k, s, p = (3, 2, 1) if downsample else (1, 1, 0)
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, k, stride=s, padding=p, bias=False),
                nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))
        else:
            self.shortcut = nn.Identity()
        mid = out_channels // proj_factor
        inner = heads * dim_head
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
            MultiHeadSelfAttention2d(mid, fmap_size, heads, dim_head),
            nn.AvgPool2d(2, ceil_mode=True) if downsample else nn.Identity(), nn.BatchNorm2d(inner),
            nn.ReLU(inplace=True), nn.Conv2d(inner, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels))
        self.relu = nn.ReLU(inplace=True)
        self.init_weights()

    def init_weights(self) -> None:
        """Zero the last BN weight (also after a parent's generic BN init)."""
        nn.init.zeros_(self.body[-1].weight)

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.body(x) + self.shortcut(x))


def make_bot_stack(in_channels: int,
                   out_channels: int,
                   fmap_size: Sequence[int],
                   num_blocks: int = 3,
                   heads: int = 4,
                   dim_head: Optional[int] = None,
                   proj_factor: int = 4,
                   downsample: bool = True) -> nn.Sequential:
    """A BoTNet stage: the first block may downsample, the others keep the size.

    Args:
        in_channels (int): Input channels of the stage.
        out_channels (int): Output channels of every block.
        fmap_size (Sequence[int]): ``(h, w)`` of the stage input at the training size.
        num_blocks (int): Blocks in the stage.
        heads (int): Attention heads.
        dim_head (int, optional): Channels per head; default ``out_channels // heads`` (CEKD:
            2048 / 4 = 512).
        proj_factor (int): Bottleneck reduction.
        downsample (bool): The first block halves the size.
    """
    dim_head = dim_head or out_channels // heads
    h, w = fmap_size
    blocks = []
    for i in range(num_blocks):
        first = i == 0
        size = (h, w) if first or not downsample else (-(-h // 2), -(-w // 2))
        blocks.append(
            BoTBlock(in_channels if first else out_channels, out_channels, size, heads, dim_head,
                     proj_factor, downsample and first))
    return nn.Sequential(*blocks)
