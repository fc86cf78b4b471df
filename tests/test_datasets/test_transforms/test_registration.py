import numpy as np
import pytest

from cmkd_mm.datasets.stf_format import CAMERAS, camera_window, scale_camera
from cmkd_mm.datasets.transforms import RegisterModalities, warp_window


def _results(**imgs):
    names = list(imgs)
    out = dict(imgs, modalities=names, ref_modality=names[0])
    out['gt_bboxes'] = np.array([[2., 3., 6., 9.]], dtype=np.float32)
    return out


def test_warp_window_is_a_crop_for_an_integer_window():
    img = np.arange(20 * 30, dtype=np.uint16).reshape(20, 30)
    out = warp_window(img, (5, 4, 15, 14), (10, 10), interpolation='nearest')
    np.testing.assert_array_equal(out, img[4:14, 5:15])
    assert out.dtype == np.uint16


def test_warp_window_resizes_and_pads_outside():
    img = np.full((10, 10, 3), 200, np.uint8)
    out = warp_window(img, (-10, 0, 10, 10), (20, 10), interpolation='nearest', pad_val=0)
    assert out.shape == (10, 20, 3)
    assert (out[:, :10] == 0).all() and (out[:, 10:] == 200).all()


def test_warp_window_keeps_more_than_four_channels():
    img = np.random.default_rng(0).integers(0, 255, (8, 8, 6)).astype(np.uint8)
    out = warp_window(img, None, (8, 8))
    np.testing.assert_array_equal(out, img)


def test_register_brings_modalities_onto_the_reference_frame():
    gated = np.zeros((18, 32, 1), np.uint16)
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[10:30, 20:40] = 255  # the part the gated camera sees
    results = _results(gated=gated, rgb=rgb)
    out = RegisterModalities(windows=dict(rgb=(20, 10, 40, 30)), interpolation='nearest')(results)
    assert out['rgb'].shape == (18, 32, 3)
    assert (out['rgb'] == 255).all()
    assert out['gated'] is gated  # the reference is untouched
    np.testing.assert_array_equal(out['gt_bboxes'], [[2., 3., 6., 9.]])  # label frame kept
    assert out['registration'] == dict(ref='gated', windows=dict(rgb=(20., 10., 40., 30.)))


def test_register_without_window_resizes_whole_image():
    results = _results(a=np.zeros((10, 20, 1), np.uint8), b=np.ones((20, 40, 2), np.uint8))
    out = RegisterModalities()(results)
    assert out['b'].shape == (10, 20, 2)


def test_register_errors():
    with pytest.raises(ValueError, match='x1 > x0'):
        RegisterModalities(windows=dict(rgb=(5, 0, 1, 4)))
    results = _results(gated=np.zeros((4, 4, 1), np.uint8), rgb=np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match='reference modality'):
        RegisterModalities(windows=dict(gated=(0, 0, 2, 2)))(results)
    with pytest.raises(KeyError, match='not loaded'):
        RegisterModalities(windows=dict(thermal=(0, 0, 2, 2)))(results)


def test_stf_window_aligns_a_far_point_seen_by_both_cameras():
    """A point at infinity along a ray lands on the same registered pixel in both cameras."""
    rgb, gated = scale_camera(CAMERAS['cam_stereo_left'],
                              0.25), scale_camera(CAMERAS['gated'], 0.25)
    win = camera_window(rgb, gated)
    ray = (0.05, -0.02)  # (x/z, y/z)
    u_g, v_g = gated['cx'] + gated['fx'] * ray[0], gated['cy'] + gated['fy'] * ray[1]
    u_r, v_r = rgb['cx'] + rgb['fx'] * ray[0], rgb['cy'] + rgb['fy'] * ray[1]
    img = np.zeros((rgb['height'], rgb['width']), np.float32)
    img[int(v_r), int(u_r)] = 1.
    out = warp_window(img, win, (gated['width'], gated['height']), interpolation='bilinear')
    v, u = np.unravel_index(np.argmax(out), out.shape)
    assert abs(u - u_g) <= 1.5 and abs(v - v_g) <= 1.5


def test_ref_size_checks_the_reference_image():
    results = _results(gated=np.zeros((18, 32, 1), np.uint16), rgb=np.zeros((40, 60, 3), np.uint8))
    results['modality_paths'] = dict(gated='g/0001.png', rgb='r/0001.png')
    register = RegisterModalities(windows=dict(rgb=(20, 10, 40, 30)), ref_size=(32, 18))
    assert register(dict(results))['rgb'].shape == (18, 32, 3)
    with pytest.raises(ValueError, match=r'g/0001.png: .*"gated" is 32x18 .* 30x18 \(ref_size\)'):
        RegisterModalities(windows=dict(rgb=(20, 10, 40, 30)), ref_size=(30, 18))(results)


def test_ref_size_registers_a_student_without_the_reference_camera():
    """STF's RGB student given only RGB: the same pixels and frame as with the gated image."""
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (40, 60, 3)).astype(np.uint8)
    window = (12.5, 7.25, 47.75, 31.5)
    with_ref = RegisterModalities(
        windows=dict(rgb=window), ref_size=(32, 18))(
            _results(gated=np.zeros((18, 32, 1), np.uint16), rgb=rgb.copy()))
    alone = dict(
        rgb=rgb.copy(),
        modalities=['rgb'],
        ref_modality='rgb',
        ori_shape=(40, 60),
        img_shape=(40, 60))
    alone = RegisterModalities(windows=dict(rgb=window), ref_size=(32, 18))(alone)
    np.testing.assert_array_equal(alone['rgb'], with_ref['rgb'])
    assert alone['ori_shape'] == alone['img_shape'] == (18, 32)
    with pytest.raises(ValueError, match='reference modality .* declare the frame as ref_size'):
        RegisterModalities(windows=dict(rgb=window))(
            dict(rgb=rgb, modalities=['rgb'], ref_modality='rgb'))
