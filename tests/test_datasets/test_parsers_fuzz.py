"""Property tests of the text formats cmkd_mm parses (KITTI-style STF labels, split files, MAVOC
CSVs, xView2 label JSON): any input parses to the right values or raises a ValueError that names
the file; no other exception escapes."""
import json
import os
import os.path as osp
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmkd_mm.datasets import MAVOCDataset
from cmkd_mm.datasets.stf_format import CLASS_MAPS, STF_KNOWN_CLASSES, parse_label_file, read_split
from cmkd_mm.datasets.xview2_labels import DAMAGE_VALUES, parse_xview2_label

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Arbitrary bytes, and text that looks like the formats (digits, separators, class words).
RANDOM_BYTES = st.binary(max_size=300)
FORMAT_TEXT = st.lists(
    st.one_of(
        st.sampled_from([
            'Pedestrian', 'DontCare', "Don't care region", 'nan', 'inf', '1e309', '-', ',', ' ',
            '\t', '\n', '\r\n', '0', '12.5', 'x', 'img_name', 'image_id', 'class_id', 'OOD_flag',
            'EO_3.png', 'sedan', '"', '\x00'
        ]),
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
        lambda p: parse_label_file(p, CLASS_MAPS['pedestrian'], on_unknown='skip'), data)


_NUMBER = st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: f'{v:.3f}')


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(STF_KNOWN_CLASSES), st.lists(_NUMBER, min_size=26, max_size=26)),
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
@given(
    st.lists(
        st.tuples(
            st.from_regex(r'[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9_-]{1,8}', fullmatch=True),
            st.from_regex(r'[0-9]{5}', fullmatch=True)),
        min_size=1,
        max_size=5))
def test_valid_split_files_give_their_samples(pairs):
    names = read_split(_write(''.join(f'{r},{f}\n' for r, f in pairs)))
    assert names == [f'{r}_{f}' for r, f in pairs]


@pytest.fixture(scope='module')
def mavoc_dataset(tmp_path_factory):
    from cmkd_mm.demo import make_mavoc_demo
    root = make_mavoc_demo(
        str(tmp_path_factory.mktemp('mavoc_fuzz')),
        layout='2021',
        splits=dict(train=1, valid=1, test=1))
    return MAVOCDataset(data_root=root, pipeline=[])


@SETTINGS
@given(data=st.one_of(RANDOM_BYTES, FORMAT_TEXT))
def test_mavoc_csv_parses_or_names_the_file(mavoc_dataset, data):
    _parses_or_names_the_file(mavoc_dataset.read_table, data)


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 99999), st.integers(0, 9)),
        min_size=1,
        max_size=8,
        unique_by=lambda r: r[0]))
def test_valid_mavoc_csv_gives_its_rows(mavoc_dataset, rows):
    text = 'img_name,class_id\n' + ''.join(f'EO_{i}.png,{c}\n' for i, c in rows)
    parsed = mavoc_dataset.read_table(_write(text))
    assert [(r['image_id'], r['gt_label']) for r in parsed] == [(str(i), c) for i, c in rows]


# xView2 label JSON: JSON-like text built from the format's own pieces, and WKT fragments.
_WKT_PIECES = [
    'POLYGON', 'MULTIPOLYGON', 'POINT', 'LINESTRING', 'GEOMETRYCOLLECTION', 'EMPTY', 'Z', ' ', '(',
    '((', ')', '))', ',', '0', '1', '2.5', '-3', '1e400', 'nan', 'inf', '10 10', '0 0', '0 10',
    '10 0', '(0 0, 10 0, 10 10, 0 0)'
]
_WKT_TEXT = st.one_of(
    st.lists(st.sampled_from(_WKT_PIECES), max_size=25).map(''.join),
    st.sampled_from([
        'POLYGON ((0 0, 10 0, 10 10, 0 0))', 'POLYGON EMPTY', 'POINT (1 2)',
        'POLYGON ((0 0, 9 0, 9 9, 0 9, 0 0), (2 2, 4 2, 4 4, 2 2))',
        'MULTIPOLYGON (((0 0, 5 0, 5 5, 0 0)), ((6 6, 8 6, 8 8, 6 6)))', 'LINESTRING (0 0, 1 1)',
        'POLYGON ((0 0, 1e300 0, 1 1, 0 0))', 'POLYGON Z ((0 0 1, 4 0 1, 4 4 1, 0 0 1))',
        'POLYGON ((0 0, 1 1))', 'GEOMETRYCOLLECTION (POINT (1 1))', 'MULTIPOLYGON EMPTY'
    ]))
_SUBTYPES = st.one_of(
    st.sampled_from(sorted(DAMAGE_VALUES)), st.none(), st.sampled_from(['damaged',
                                                                        '', 'No-Damage']),
    st.integers(), st.lists(st.integers(), max_size=2))
_GOOD_FEATURE = st.fixed_dictionaries({'wkt': _WKT_TEXT},
                                      optional={
                                          'properties':
                                          st.one_of(
                                              st.none(), st.integers(),
                                              st.fixed_dictionaries({},
                                                                    optional={'subtype':
                                                                              _SUBTYPES}))
                                      })
_FEATURE = st.one_of(_GOOD_FEATURE, _GOOD_FEATURE, _GOOD_FEATURE, st.integers(),
                     st.text(max_size=5), st.fixed_dictionaries({'wkt': st.integers()}))
_PROPER_JSON = st.fixed_dictionaries(
    {'features': st.fixed_dictionaries({'xy': st.lists(_FEATURE, max_size=4)})},
    optional={'metadata': st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)})
_LABEL_JSON = st.one_of(
    _PROPER_JSON, _PROPER_JSON, _PROPER_JSON,
    st.fixed_dictionaries({
        'features':
        st.one_of(
            st.fixed_dictionaries({
                'xy':
                st.one_of(
                    st.lists(_FEATURE, max_size=4), st.integers(), st.none(), st.text(max_size=3))
            }), st.lists(st.integers(), max_size=2), st.none())
    }), st.lists(st.integers(), max_size=3), st.integers(), st.none())
_XVIEW2_TEXT = st.one_of(
    _PROPER_JSON.map(json.dumps),
    _PROPER_JSON.map(json.dumps),
    _PROPER_JSON.map(json.dumps),
    _LABEL_JSON.map(json.dumps),
    _LABEL_JSON.map(json.dumps).flatmap(
        lambda s: st.integers(0, max(0,
                                     len(s) - 1)).map(lambda n: s[:n])),  # cut short
    RANDOM_BYTES,
    FORMAT_TEXT)


def _json_path(data) -> str:
    path = _write(data)
    json_path = path[:-4] + '.json'
    os.rename(path, json_path)
    return json_path


@SETTINGS
@given(st.one_of(_XVIEW2_TEXT, st.text(max_size=200)))
def test_xview2_labels_parse_or_name_the_file(data):
    path = _json_path(data)
    try:
        items = parse_xview2_label(path)
    except ValueError as error:
        assert str(error).startswith(path + ':'), f'the error does not name the file: {error}'
        return
    except UnicodeEncodeError:
        return
    for geometry, subtype in items:
        assert geometry.geom_type in ('Polygon', 'MultiPolygon')
        assert subtype is None or subtype in DAMAGE_VALUES


_COORD = st.floats(0, 1024, allow_nan=False).map(lambda v: round(v, 3))


@SETTINGS
@given(
    st.lists(
        st.tuples(_COORD, _COORD,
                  st.floats(1, 60).map(lambda v: round(v, 3)),
                  st.floats(1, 60).map(lambda v: round(v, 3)),
                  st.one_of(st.none(), st.sampled_from(sorted(DAMAGE_VALUES)))),
        max_size=5))
def test_valid_xview2_labels_give_their_polygons(boxes):
    features = []
    for x, y, w, h, subtype in boxes:
        ring = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
        feature = dict(
            wkt='POLYGON ((' + ', '.join(f'{a!r} {b!r}' for a, b in ring) + '))',
            properties=dict(feature_type='building'))
        if subtype is not None:
            feature['properties']['subtype'] = subtype
        features.append(feature)
    text = json.dumps(dict(features=dict(lng_lat=[], xy=features), metadata={}))
    items = parse_xview2_label(_json_path(text))
    assert [s for _, s in items] == [b[4] for b in boxes]
    for (geometry, _), (x, y, w, h, _) in zip(items, boxes):
        assert geometry.geom_type == 'Polygon'
        assert list(geometry.exterior.coords) == [(x, y), (x + w, y), (x + w, y + h), (x, y + h),
                                                  (x, y)]
