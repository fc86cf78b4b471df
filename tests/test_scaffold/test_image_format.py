"""scaffold/image_format: a modality's LoadModalities spec from the formats of its files."""
import cv2
import numpy as np
import pytest

from cmkd_mm.scaffold.errors import ScaffoldError
from cmkd_mm.scaffold.image_format import FileFormat, modality_spec, read_file_format, spread


def fmt(channels, depth=8, equal=False, name='a.png'):
    return FileFormat(name, channels, depth, equal, (8, 6))


def test_read_file_format(tmp_path):
    grey3 = str(tmp_path / 'grey3.jpg')
    cv2.imwrite(grey3, np.dstack([np.arange(48, dtype=np.uint8).reshape(6, 8)] * 3))
    depth = str(tmp_path / 'depth.png')
    cv2.imwrite(depth, np.full((6, 8), 4000, np.uint16))
    a, b = read_file_format(grey3), read_file_format(depth)
    assert (a.channels, a.bit_depth, a.equal_channels, a.size) == (3, 8, True, (8, 6))
    assert (b.channels, b.bit_depth, b.kind) == (1, 16, 'grey')
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(ScaffoldError, match='empty file'):
        read_file_format(str(empty))


@pytest.mark.parametrize(
    'formats, channels, spec',
    [
        ([fmt(1)], None, dict(num_channels=1)),
        ([fmt(1)], 3, dict(to_gray=3, num_channels=3)),
        ([fmt(3, equal=True)] * 2, None, dict(to_gray=True, num_channels=1)),
        ([fmt(3, equal=True)], 3, dict(num_channels=3)),
        ([fmt(3), fmt(3, equal=True)], None, dict(num_channels=3)),  # colour, some grey scenes
        ([fmt(3)], 1, dict(to_gray=True, num_channels=1)),
        ([fmt(4)], 3, dict(channels=[0, 1, 2], num_channels=3)),
        ([fmt(4)], 4, dict(num_channels=4)),
        ([fmt(1), fmt(3)], 1, dict(to_gray=True, num_channels=1)),
        ([fmt(1), fmt(3)], 3, dict(to_gray=3, num_channels=3)),
    ])
def test_spec(formats, channels, spec):
    assert modality_spec('m', formats, channels)[0] == dict(spec, bit_depth=8)


def test_what_needs_a_flag():
    with pytest.raises(ScaffoldError, match=r'files disagree .*--channels m=1 .*--channels m=3'):
        modality_spec('m', [fmt(1, name='a.png'), fmt(3, name='b.png')])
    with pytest.raises(ScaffoldError, match=r'4 channels .*--channels m=3 .*--channels m=4'):
        modality_spec('m', [fmt(4)])
    with pytest.raises(
            ScaffoldError,
            match=r'mix bit depths \(8-bit: 1 file\(s\), e.g. a.png; '
            r'16-bit: 1 file\(s\), e.g. b.png\)'):
        modality_spec('m', [fmt(1, 8, name='a.png'), fmt(1, 16, name='b.png')])
    with pytest.raises(ScaffoldError, match='--bit-depth m=12: .* 8-bit'):
        modality_spec('m', [fmt(1, 8)], bit_depth=12)
    spec, line = modality_spec('m', [fmt(1, 16)], bit_depth=12)
    assert spec == dict(num_channels=1, bit_depth=12)
    assert line.startswith('16-bit holding 12-bit values grey')


def test_spread():
    assert spread(list(range(3))) == [0, 1, 2]
    picked = spread(list(range(100)), 5)
    assert picked[0] == 0 and picked[-1] == 99 and len(picked) == 5
