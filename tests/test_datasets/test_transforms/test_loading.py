import cv2
import numpy as np
import pytest

from cmkd_mm.datasets.transforms import LoadModalities


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)
    rgba = np.dstack([rgb, rng.integers(0, 255, (24, 32), dtype=np.uint8)])
    gated = rng.integers(0, 1024, (18, 20), dtype=np.uint16)
    chip = rng.integers(0, 255, (31, 29), dtype=np.uint8)
    paths = dict(
        rgb=tmp_path / 'rgb.png',
        rgba=tmp_path / 'rgba.png',
        gated=tmp_path / 'gated.png',
        chip=tmp_path / 'chip.png')
    cv2.imwrite(str(paths['rgb']), rgb[..., ::-1])
    cv2.imwrite(str(paths['rgba']), rgba[..., [2, 1, 0, 3]])
    cv2.imwrite(str(paths['gated']), gated)
    cv2.imwrite(str(paths['chip']), chip)
    return {k: str(v) for k, v in paths.items()}, dict(rgb=rgb, rgba=rgba, gated=gated, chip=chip)


def test_native_forms(files):
    paths, arrays = files
    t = LoadModalities(
        dict(
            rgb=dict(bit_depth=8, num_channels=3),
            gated=dict(bit_depth=10),
            sar=dict(num_channels=1),
            thermal=dict(channels=[3]),
            colour=dict(channels=[0, 1, 2])))
    r = t(
        dict(
            modality_paths=dict(
                rgb=paths['rgb'],
                gated=paths['gated'],
                sar=paths['chip'],
                thermal=paths['rgba'],
                colour=paths['rgba'])))
    np.testing.assert_array_equal(r['rgb'], arrays['rgb'])  # RGB order, not BGR
    assert r['gated'].dtype == np.uint16 and r['gated'].shape == (18, 20, 1)
    np.testing.assert_array_equal(r['gated'][..., 0], arrays['gated'])
    np.testing.assert_array_equal(r['sar'][..., 0], arrays['chip'])
    np.testing.assert_array_equal(r['thermal'][..., 0], arrays['rgba'][..., 3])
    np.testing.assert_array_equal(r['colour'], arrays['rgba'][..., :3])
    assert r['modalities'] == ['rgb', 'gated', 'sar', 'thermal', 'colour']
    assert r['img_shape'] == (24, 32) and r['img_path'] == paths['rgb']


def test_missing_file_names_path(files, tmp_path):
    paths, _ = files
    t = LoadModalities(dict(rgb={}, gated={}))
    missing = str(tmp_path / 'gated1' / 'x.png')
    with pytest.raises(FileNotFoundError, match='gated1/x.png'):
        t(dict(modality_paths=dict(rgb=paths['rgb'], gated=missing)))


def test_missing_modality_in_sample(files):
    paths, _ = files
    with pytest.raises(KeyError, match='no path for modality "gated"'):
        LoadModalities(dict(rgb={}, gated={}))(dict(modality_paths=dict(rgb=paths['rgb'])))


def test_corrupt_image(tmp_path):
    bad = tmp_path / 'bad.png'
    bad.write_bytes(b'\x89PNG\r\n\x1a\nnot really')
    with pytest.raises(ValueError, match='bad.png: not a readable image'):
        LoadModalities(dict(rgb={}))(dict(modality_paths=dict(rgb=str(bad))))


def test_bit_depth_mismatch(files):
    paths, _ = files
    with pytest.raises(ValueError, match=r'gated.*expects a 16-bit image.*8-bit'):
        LoadModalities(dict(gated=dict(bit_depth=10)))(
            dict(modality_paths=dict(gated=paths['chip'])))
    # 10-bit values in a 16-bit file are valid for any bit depth >= 10
    r = LoadModalities(dict(gated=dict(bit_depth=12)))(
        dict(modality_paths=dict(gated=paths['gated'])))
    assert r['gated'].max() <= 1023


def test_value_above_bit_depth(tmp_path):
    p = tmp_path / 'g.png'
    cv2.imwrite(str(p), np.full((4, 4), 2000, np.uint16))
    with pytest.raises(ValueError, match='above the 10-bit maximum 1023'):
        LoadModalities(dict(gated=dict(bit_depth=10)))(dict(modality_paths=dict(gated=str(p))))


def test_size_checks(files):
    paths, _ = files
    with pytest.raises(ValueError, match='come from one camera and must have one size'):
        LoadModalities(
            dict(rgb={}, gated={}), same_size=True)(
                dict(modality_paths=dict(rgb=paths['rgb'], gated=paths['gated'])))
    # groups: the gated slices of one camera must agree, the RGB camera may differ
    groups = [['gated0', 'gated1']]
    sample = dict(
        modality_paths=dict(rgb=paths['rgb'], gated0=paths['gated'], gated1=paths['gated']))
    LoadModalities(dict(rgb={}, gated0={}, gated1={}), same_size=groups)(sample)
    with pytest.raises(
            ValueError,
            match=r'rgb.png: modality "gated1" is 32x24 but .*gated.png '
            r'\("gated0"\) is 20x18'):
        LoadModalities(
            dict(gated0={}, gated1={}), same_size=groups)(
                dict(modality_paths=dict(gated0=paths['gated'], gated1=paths['rgb'])))
    with pytest.raises(ValueError, match=r"same_size names modalities \['gated2'\]"):
        LoadModalities(dict(gated0={}), same_size=[['gated0', 'gated2']])
    with pytest.raises(ValueError, match='must be 30x30'):
        LoadModalities(dict(eo=dict(size=(30, 30))))(dict(modality_paths=dict(eo=paths['chip'])))
    with pytest.raises(ValueError, match='reads channels \\[3\\]'):
        LoadModalities(dict(t=dict(channels=[3])))(dict(modality_paths=dict(t=paths['rgb'])))


def test_file_read_once(files, monkeypatch):
    import cmkd_mm.datasets.transforms.loading as loading
    paths, _ = files
    calls = []
    real = loading.decode_image
    monkeypatch.setattr(loading, 'decode_image', lambda p, b=None: calls.append(p) or real(p, b))
    LoadModalities(dict(rgb=dict(channels=[0, 1, 2]), thermal=dict(channels=[3])))(
        dict(modality_paths=dict(rgb=paths['rgba'], thermal=paths['rgba'])))
    assert calls == [paths['rgba']]


def test_repeated_channel_of_a_colour_file_is_refused_and_to_gray_replicates(files, tmp_path):
    paths, arrays = files
    with pytest.raises(ValueError, match=r'rgb.png: modality "eo" repeats channel.*to_gray=3'):
        LoadModalities(dict(eo=dict(channels=[0, 0, 0])))(
            dict(modality_paths=dict(eo=paths['rgb'])))
    out = LoadModalities(dict(eo=dict(to_gray=3), sar=dict(to_gray=3, bit_depth=8)))(
        dict(modality_paths=dict(eo=paths['rgb'], sar=paths['chip'])))
    grey = cv2.cvtColor(arrays['rgb'], cv2.COLOR_RGB2GRAY)
    assert out['eo'].shape == (24, 32, 3)
    for c in range(3):
        np.testing.assert_array_equal(out['eo'][..., c], grey)
        np.testing.assert_array_equal(out['sar'][..., c], arrays['chip'])
    # a grey picture saved as RGB (equal channels) may still repeat a channel
    _ = cv2.imwrite(str(tmp_path / 'grey_rgb.png'), np.dstack([arrays['chip']] * 3))
    out = LoadModalities(dict(eo=dict(channels=[0, 0, 0])))(
        dict(modality_paths=dict(eo=str(tmp_path / 'grey_rgb.png'))))
    np.testing.assert_array_equal(out['eo'][..., 2], arrays['chip'])


def test_annotation_size_must_match_the_reference_modality(files):
    paths, _ = files
    t = LoadModalities(dict(rgb={}, gated={}), ref_modality='gated')
    sample = dict(modality_paths=dict(rgb=paths['rgb'], gated=paths['gated']))
    assert t(dict(sample, height=18, width=20))['img_shape'] == (18, 20)
    with pytest.raises(
            ValueError, match=r'gated.png is 20x18 \(w x h\) but the annotation file '
            r'gives 32x24'):
        t(dict(sample, height=24, width=32))  # the size of the rgb image, not of the gated one
