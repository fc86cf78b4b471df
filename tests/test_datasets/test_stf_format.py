"""Seeing Through Fog label/split parsing and camera geometry."""
import numpy as np
import pytest

from cmkd_mm.datasets.stf_format import (CAMERAS, CLASS_MAP_CATEGORIES, CLASS_MAPS, IGNORE_CLASSES,
                                         STF_LABEL_COLUMNS, camera_window, parse_label_file,
                                         project_boxes, read_split, scale_camera)

TAIL = ('1.75 0.60 0.60 -1.82 1.50 20.40 -1.66 0.00 -1.66 0.00 1.00 0.0000 -0.7372 0.0000 '
        '0.6757 True True True False')


def line(cls: str, box=(10, 20, 30, 60)) -> str:
    """A 27-column label line (class may hold spaces)."""
    return f'{cls} 0.00 0 -1.57 {" ".join(str(v) for v in box)} {TAIL}'


def write(tmp_path, *lines, name='label.txt'):
    path = tmp_path / name
    path.write_text(''.join(s + '\n' for s in lines))
    return str(path)


def test_columns_and_class_maps():
    assert len(STF_LABEL_COLUMNS) == 27 and len(line('Pedestrian').split()) == 27
    assert STF_LABEL_COLUMNS[4:8] == ('x1', 'y1', 'x2', 'y2')
    assert CLASS_MAP_CATEGORIES['pedestrian'] == ('pedestrian', )
    assert CLASS_MAP_CATEGORIES['full'] == ('PassengerCar', 'Pedestrian', 'RidableVehicle',
                                            'LargeVehicle')


def test_parse_27_columns(tmp_path):
    path = write(tmp_path, line('Pedestrian', (1.5, 2, 3.25, 4)), '', line('Pedestrian_is_group'),
                 line('PassengerCar'))
    objects, skipped = parse_label_file(path, CLASS_MAPS['pedestrian'])
    assert [o['name'] for o in objects] == ['pedestrian', 'pedestrian']
    assert objects[0]['bbox'] == [1.5, 2.0, 3.25, 4.0]
    assert [o['line'] for o in objects] == [1, 3]
    assert objects[1]['raw_class'] == 'Pedestrian_is_group' and not objects[1]['ignore']
    assert skipped == {'unmapped class PassengerCar': 1}

    objects, skipped = parse_label_file(path, CLASS_MAPS['full'])
    assert [o['name'] for o in objects] == ['Pedestrian', 'Pedestrian', 'PassengerCar']
    assert not skipped


def test_classes_with_spaces_and_ignore_regions(tmp_path):
    path = write(tmp_path, line("Don't care region", (5, 6, 7, 8)), line('DontCare'),
                 line('traffic sign'), line('traffic light'), line('Obstacle'))
    objects, skipped = parse_label_file(path, CLASS_MAPS['pedestrian'])
    assert [(o['raw_class'], o['name'], o['ignore'])
            for o in objects] == [("Don't care region", None, True), ('DontCare', None, True)]
    assert objects[0]['bbox'] == [5.0, 6.0, 7.0, 8.0]
    assert skipped == {
        'unmapped class traffic sign': 1,
        'unmapped class traffic light': 1,
        'unmapped class Obstacle': 1
    }
    assert set(IGNORE_CLASSES) == {'DontCare', "Don't care region"}


def test_too_few_columns(tmp_path):
    kitti15 = 'Pedestrian 0.00 0 -1.57 10 20 30 60 1.75 0.60 0.60 -1.82 1.50 20.40 -1.66'
    path = write(tmp_path, line('Pedestrian'), kitti15)
    with pytest.raises(ValueError, match=r'label.txt:2: .*has 15 columns.*27.*num-columns 15'):
        parse_label_file(path, CLASS_MAPS['pedestrian'])
    objects, _ = parse_label_file(
        write(tmp_path, kitti15, name='k.txt'), CLASS_MAPS['pedestrian'], num_columns=15)
    assert objects[0]['bbox'] == [10.0, 20.0, 30.0, 60.0]


def test_too_many_columns_is_a_column_count_error(tmp_path):
    # a 28th column: not a class 'Pedestrian 0.00'
    path = write(tmp_path, line('Pedestrian'), line('Pedestrian') + ' 7.5')
    with pytest.raises(
            ValueError,
            match=r'label.txt:2: label line has 28 columns, 1 more than '
            r'the 27.*--num-columns 28'):
        parse_label_file(path, CLASS_MAPS['pedestrian'])
    # class names with spaces keep working
    objects, _ = parse_label_file(
        write(tmp_path, line("Don't care region"), name='dc.txt'), CLASS_MAPS['pedestrian'])
    assert objects[0]['raw_class'] == "Don't care region"


def test_bad_box(tmp_path):
    path = write(tmp_path, line('Pedestrian', (1, 'abc', 3, 4)))
    with pytest.raises(ValueError, match=r'label.txt:1: box columns'):
        parse_label_file(path, CLASS_MAPS['pedestrian'])


def test_unknown_class(tmp_path):
    path = write(tmp_path, line('Pedestrian'), line('Zebra crossing'))
    with pytest.raises(ValueError) as err:
        parse_label_file(path, CLASS_MAPS['pedestrian'])
    msg = str(err.value)
    assert 'label.txt:2' in msg and "'Zebra crossing'" in msg
    assert '--on-unknown skip' in msg and 'class map' in msg
    objects, skipped = parse_label_file(path, CLASS_MAPS['pedestrian'], on_unknown='skip')
    assert len(objects) == 1 and skipped == {'unknown class Zebra crossing': 1}
    # a class map may extend the vocabulary
    objects, _ = parse_label_file(path, {'Zebra crossing': 'zebra'})
    assert [o['name'] for o in objects] == ['zebra']


def test_empty_file(tmp_path):
    objects, skipped = parse_label_file(write(tmp_path), CLASS_MAPS['pedestrian'])
    assert objects == [] and not skipped


def test_read_split(tmp_path):
    path = write(
        tmp_path,
        '2019-09-11_18-41-27,02580',
        '',
        '  2018-02-06_14-25-51_00400  ',
        name='split.txt')
    assert read_split(path) == ['2019-09-11_18-41-27_02580', '2018-02-06_14-25-51_00400']
    bad = write(tmp_path, 'a,1', 'b,2', 'a,b,c', name='bad.txt')
    with pytest.raises(ValueError, match=r'bad.txt:3: .*"<recording>,<frame>"'):
        read_split(bad)
    with pytest.raises(ValueError, match=r'empty.txt:1'):
        read_split(write(tmp_path, ',00400', name='empty.txt'))
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        read_split(str(tmp_path / 'nope.txt'))


def test_camera_window_official_calibration():
    rgb, gated = CAMERAS['cam_stereo_left'], CAMERAS['gated']
    assert (rgb['width'], rgb['height'], gated['width'], gated['height']) == (1920, 1024, 1280, 720)
    np.testing.assert_allclose(camera_window(rgb, gated), (310.8, 243.2, 1609.1, 973.5), atol=0.1)
    # the window keeps the gated aspect ratio (same fx/fy ratio in both cameras)
    x0, y0, x1, y1 = camera_window(rgb, gated)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(1280 / 720)


def test_camera_window_round_trip():
    rgb, gated = CAMERAS['cam_stereo_left'], CAMERAS['gated']
    window = camera_window(rgb, gated)
    np.testing.assert_allclose(project_boxes([window], rgb, gated)[0], (0, 0, 1280, 720), atol=1e-9)
    inverse = camera_window(gated, rgb)  # partly outside the gated image
    assert inverse[0] < 0 and inverse[1] < 0 and inverse[2] > 1280 and inverse[3] > 720
    np.testing.assert_allclose(
        project_boxes([inverse], gated, rgb)[0], (0, 0, 1920, 1024), atol=1e-9)
    boxes = np.array([[400.0, 300.0, 500.0, 520.0], [1000.0, 600.0, 1100.0, 700.0]])
    np.testing.assert_allclose(project_boxes(project_boxes(boxes, rgb, gated), gated, rgb), boxes)


def test_scale_camera():
    rgb, gated = (scale_camera(CAMERAS[k], 0.25) for k in ('cam_stereo_left', 'gated'))
    assert (rgb['width'], rgb['height'], gated['width'], gated['height']) == (480, 256, 320, 180)
    assert rgb['fx'] == pytest.approx(CAMERAS['cam_stereo_left']['fx'] / 4)
    np.testing.assert_allclose(
        camera_window(rgb, gated),
        np.array(camera_window(CAMERAS['cam_stereo_left'], CAMERAS['gated'])) / 4)
