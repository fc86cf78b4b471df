"""Modality tensors as titled 8-bit panels, laid out side by side in one picture."""
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.45
LINE_HEIGHT = 17
GAP = 4  # pixels between panels
BACKGROUND = (32, 32, 32)


def stretch_to_uint8(img: np.ndarray, percentiles: Sequence[float] = (1, 99)) -> tuple:
    """Linear contrast stretch of an image to 8 bits between two percentiles of its values.

    Values at or below the low percentile become 0, at or above the high one 255. The
    percentiles are taken over all pixels and channels of the image (one stretch per image,
    so the colours of a multi-channel image keep their balance).

    Args:
        img (np.ndarray): Image of any numeric dtype.
        percentiles (sequence[float]): Low and high percentile, default ``(1, 99)``.

    Returns:
        tuple[np.ndarray, float, float]: The ``uint8`` image (same shape), the low and the high
        value of the stretch.
    """
    lo, hi = (float(v) for v in np.percentile(img, percentiles))
    scale = 255. / max(hi - lo, 1e-6)
    out = np.clip((img.astype(np.float32) - lo) * scale, 0, 255)
    return np.round(out).astype(np.uint8), lo, hi


def modality_picture(
    name: str,
    tensor: torch.Tensor,
    bit_depth: Optional[int] = None,
    percentiles: Sequence[float] = (1, 99)
) -> Tuple[np.ndarray, List[str]]:
    """An 8-bit RGB picture of a packed modality and its title lines.

    8-bit images are shown as they are; any other dtype (16-bit containers, e.g. 10-bit gated
    slices, or floats) with :func:`stretch_to_uint8`, whose values the title states. One
    channel is shown grey, three as RGB, other counts by their first channel(s).

    Args:
        name (str): Modality name.
        tensor (torch.Tensor): ``C x H x W`` modality as ``PackMultiModalInputs`` packs it.
        bit_depth (int, optional): Bits the values use (``LoadModalities``' ``bit_depth``);
            default the dtype's size for integers.
        percentiles (sequence[float]): Stretch percentiles for images that are not 8-bit.

    Returns:
        tuple: ``H x W x 3`` ``uint8`` picture and the title lines.
    """
    img = tensor.detach().cpu().numpy().transpose(1, 2, 0)
    c, h, w = tensor.shape
    if bit_depth is None and np.issubdtype(img.dtype, np.integer):
        bit_depth = img.dtype.itemsize * 8
    depth = f' ({bit_depth}-bit)' if bit_depth else ''
    lines = [f'{name} {c}x{h}x{w} {img.dtype}{depth}']
    if img.dtype != np.uint8:
        img, lo, hi = stretch_to_uint8(img, percentiles)
        lines.append(f'p{percentiles[0]:g}-p{percentiles[1]:g} stretch {lo:.0f}-{hi:.0f}')
    if c not in (1, 3):
        lines.append('channel 0 shown' if c < 3 else 'channels 0-2 shown')
        img = img[..., :1] if c < 3 else img[..., :3]
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    return np.ascontiguousarray(img), lines


def resize_to_height(img: np.ndarray, height: int) -> np.ndarray:
    """Scale an image (or label map) to ``height`` rows, keeping its aspect ratio.

    Enlarging uses nearest neighbours (pixels and labels stay sharp), shrinking area averaging.

    Args:
        img (np.ndarray): ``H x W`` or ``H x W x C`` image.
        height (int): Rows of the result.
    """
    h, w = img.shape[:2]
    width = max(1, int(round(w * height / h)))
    return resize_nearest(img, (height, width)) if height >= h else cv2.resize(
        img, (width, height), interpolation=cv2.INTER_AREA)


def resize_nearest(img: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize to ``shape = (h, w)`` (any dtype cv2 cannot resize included)."""
    h, w = img.shape[:2]
    rows = np.minimum((np.arange(shape[0]) + 0.5) * h / shape[0], h - 1).astype(int)
    cols = np.minimum((np.arange(shape[1]) + 0.5) * w / shape[1], w - 1).astype(int)
    return np.ascontiguousarray(img[rows][:, cols])


def wrap_lines(lines: Sequence[str], width: int) -> List[str]:
    """Break title lines at spaces so that each fits ``width`` pixels (a longer word stays
    whole)."""
    out = []
    for line in lines:
        current = ''
        for word in line.split(' '):
            candidate = f'{current} {word}' if current else word
            if current and cv2.getTextSize(candidate, FONT, FONT_SCALE, 1)[0][0] > width - 6:
                out.append(current)
                candidate = word
            current = candidate
        out.append(current)
    return out


def compose_panels(panels: Sequence[Tuple[np.ndarray, Sequence[str]]]) -> np.ndarray:
    """Lay panels out left to right, each under its title.

    Args:
        panels (sequence[tuple]): ``(H x W x 3 uint8 picture, title lines)``; all pictures
            have the same height.

    Returns:
        np.ndarray: RGB ``uint8`` picture of width ``sum(W) + GAP * (len(panels) - 1)``.
    """
    wrapped = [wrap_lines(lines, img.shape[1]) for img, lines in panels]
    top = 6 + LINE_HEIGHT * max(len(lines) for lines in wrapped)
    height = top + max(img.shape[0] for img, _ in panels)
    width = sum(img.shape[1] for img, _ in panels) + GAP * (len(panels) - 1)
    canvas = np.full((height, width, 3), BACKGROUND, np.uint8)
    x = 0
    for (img, _), lines in zip(panels, wrapped):
        for i, line in enumerate(lines):
            cv2.putText(canvas, line, (x + 3, LINE_HEIGHT * (i + 1)), FONT, FONT_SCALE,
                        (255, 255, 255), 1, cv2.LINE_AA)
        canvas[top:top + img.shape[0], x:x + img.shape[1]] = img
        x += img.shape[1] + GAP
    return canvas
