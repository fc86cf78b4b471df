"""LoadSegLabels: label maps through the shared decoder, with the file named in every failure,
16-bit ids kept, and the same maps as mmseg's LoadAnnotations on valid files."""
import cv2
import numpy as np
import pytest
from mmseg.datasets.transforms import LoadAnnotations

from cmkd_mm.datasets.transforms import CheckSegLabels, LoadModalities, LoadSegLabels


def _write(path, array):
    cv2.imwrite(str(path), array)
    return str(path)


def _load(path, **kwargs):
    results = dict(seg_map_path=str(path), reduce_zero_label=False, seg_fields=[], **kwargs)
    return LoadSegLabels()(results)


@pytest.mark.parametrize('reduce_zero_label', [False, True])
def test_same_map_as_mmseg_load_annotations(tmp_path, reduce_zero_label):
    labels = np.random.default_rng(0).integers(0, 9, (12, 16), dtype=np.uint8)
    labels[0, :3] = 255
    path = _write(tmp_path / 'label.png', labels)
    theirs = LoadAnnotations()(
        dict(seg_map_path=path, reduce_zero_label=reduce_zero_label, seg_fields=[]))
    ours = LoadSegLabels()(
        dict(seg_map_path=path, reduce_zero_label=reduce_zero_label, seg_fields=[]))
    assert ours['gt_seg_map'].dtype == np.uint8
    np.testing.assert_array_equal(ours['gt_seg_map'], theirs['gt_seg_map'])
    assert ours['seg_fields'] == ['gt_seg_map']
    mapped = _load(path, label_map={1: 7})['gt_seg_map']
    np.testing.assert_array_equal(mapped == 7, (labels == 1) | (labels == 7))


def test_sixteen_bit_ids_are_kept_and_refused_by_the_check(tmp_path):
    labels = np.zeros((6, 8), np.uint16)
    labels[2, 3] = 257  # mmseg's loader casts this to 1
    path = _write(tmp_path / 'label16.png', labels)
    assert LoadAnnotations()(dict(seg_map_path=path, reduce_zero_label=False,
                                  seg_fields=[]))['gt_seg_map'][2, 3] == 1
    results = _load(path, img_shape=(6, 8))
    assert results['gt_seg_map'].dtype == np.uint16 and results['gt_seg_map'][2, 3] == 257
    with pytest.raises(ValueError, match=r'label16.png: label values \[257\]'):
        CheckSegLabels(num_classes=9)(results)


def test_grey_saved_as_rgb_is_read_and_a_palette_is_refused(tmp_path):
    labels = np.random.default_rng(1).integers(0, 9, (6, 8), dtype=np.uint8)
    grey_rgb = _write(tmp_path / 'grey_rgb.png', np.dstack([labels] * 3))
    np.testing.assert_array_equal(_load(grey_rgb)['gt_seg_map'], labels)
    palette = np.dstack([labels, labels * 2, labels * 3]).astype(np.uint8)
    with pytest.raises(ValueError, match='palette.png: .*palette picture, not class ids'):
        _load(_write(tmp_path / 'palette.png', palette))


def test_truncated_empty_and_missing_label_files_are_named(tmp_path):
    labels = np.random.default_rng(2).integers(0, 9, (64, 64), dtype=np.uint8)
    data = cv2.imencode('.png', labels)[1].tobytes()
    (tmp_path / 'truncated.png').write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match='truncated.png: not a readable image'):
        _load(tmp_path / 'truncated.png')
    (tmp_path / 'empty.png').write_bytes(b'')
    with pytest.raises(ValueError, match=r'empty.png: empty file \(0 bytes\)'):
        _load(tmp_path / 'empty.png')
    with pytest.raises(FileNotFoundError, match='nowhere.png: file not found'):
        _load(tmp_path / 'nowhere.png')


def test_zero_byte_modality_file_is_named(tmp_path):
    (tmp_path / 'thermal.png').write_bytes(b'')
    with pytest.raises(ValueError, match=r'thermal.png: empty file \(0 bytes\)'):
        LoadModalities(dict(thermal={}))(
            dict(modality_paths=dict(thermal=str(tmp_path / 'thermal.png'))))
