"""Property tests of the text formats cmkd_mm parses (KITTI-style STF labels, split files, MAVOC
CSVs): any input parses to the right values or raises a ValueError that names the file; no
other exception escapes."""
import os.path as osp
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmkd_mm.datasets import MAVOCDataset
from cmkd_mm.datasets.stf_format import (CLASS_MAPS, STF_KNOWN_CLASSES, parse_label_file,
                                         read_split)

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
# Arbitrary bytes, and text that looks like the formats (digits, separators, class words).
RANDOM_BYTES = st.binary(max_size=300)
FORMAT_TEXT = st.lists(
    st.one_of(st.sampled_from(['Pedestrian', 'DontCare', "Don't care region", 'nan', 'inf',
                               '1e309', '-', ',', ' ', '\t', '\n', '\r\n', '0', '12.5', 'x',
                               'img_name', 'image_id', 'class_id', 'OOD_flag', 'EO_3.png',
                               'sedan', '"', '\x00']),
              st.integers(-10, 3000).map(str)),
    max_size=80).map(''.join)


def _write(data) -> str:
    folder = tempfile.mkdtemp()
    path = osp.join(folder, 'input.txt')
    with open(path, 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode('utf-8', 'surrogatepass'))
    return path


def _parses_or_names_the_file(parse, data):
    path = _write(data)
    try:
        return parse(path)
    except ValueError as error:
        assert path in str(error), f'the error does not name the file: {error}'
    except UnicodeEncodeError:  # the generated text itself is not encodable; not an input
        pass
    return None


@SETTINGS
@given(st.one_of(RANDOM_BYTES, FORMAT_TEXT))
def test_stf_labels_parse_or_name_the_file(data):
    _parses_or_names_the_file(
        lambda p: parse_label_file(p, CLASS_MAPS['seed'], on_unknown='skip'), data)


_NUMBER = st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: f'{v:.3f}')


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(STF_KNOWN_CLASSES), st.lists(_NUMBER, min_size=26,
                                                                        max_size=26)),
                max_size=5))
def test_valid_stf_labels_give_their_boxes(objects):
    text = ''.join(f'{cls} {" ".join(nums)}\n' for cls, nums in objects)
    parsed, _ = parse_label_file(_write(text), CLASS_MAPS['full'], on_unknown='skip')
    expected = [[float(v) for v in nums[3:7]] for cls, nums in objects
                if cls in CLASS_MAPS['full'] or cls in ('DontCare', "Don't care region")]
    assert [o['bbox'] for o in parsed] == expected


@SETTINGS
@given(st.one_of(RANDOM_BYTES, FORMAT_TEXT))
def test_split_files_parse_or_name_the_file(data):
    _parses_or_names_the_file(read_split, data)


@SETTINGS
@given(st.lists(st.tuples(st.from_regex(r'[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9_-]{1,8}',
                                        fullmatch=True),
                          st.from_regex(r'[0-9]{5}', fullmatch=True)), min_size=1, max_size=5))
def test_valid_split_files_give_their_samples(pairs):
    names = read_split(_write(''.join(f'{r},{f}\n' for r, f in pairs)))
    assert names == [f'{r}_{f}' for r, f in pairs]


@pytest.fixture(scope='module')
def mavoc_dataset(tmp_path_factory):
    from cmkd_mm.demo import make_mavoc_demo
    root = make_mavoc_demo(str(tmp_path_factory.mktemp('mavoc_fuzz')), layout='2021',
                           splits=dict(train=1, valid=1, test=1))
    return MAVOCDataset(data_root=root, pipeline=[])


@SETTINGS
@given(data=st.one_of(RANDOM_BYTES, FORMAT_TEXT))
def test_mavoc_csv_parses_or_names_the_file(mavoc_dataset, data):
    _parses_or_names_the_file(mavoc_dataset.read_table, data)


@SETTINGS
@given(rows=st.lists(st.tuples(st.integers(0, 99999), st.integers(0, 9)), min_size=1,
                     max_size=8, unique_by=lambda r: r[0]))
def test_valid_mavoc_csv_gives_its_rows(mavoc_dataset, rows):
    text = 'img_name,class_id\n' + ''.join(f'EO_{i}.png,{c}\n' for i, c in rows)
    parsed = mavoc_dataset.read_table(_write(text))
    assert [(r['image_id'], r['gt_label']) for r in parsed] == [(str(i), c) for i, c in rows]
