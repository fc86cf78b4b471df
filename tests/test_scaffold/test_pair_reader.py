"""scaffold/pair_reader: the names of the flags, the split folders of each modality, and the
file-name rules as dataset arguments."""
import pytest

from cmkd_mm.scaffold.errors import ScaffoldError
from cmkd_mm.scaffold.pair_reader import PairOptions, PairReader, check_names
from .test_new_pair import make_llvip


@pytest.mark.parametrize('kwargs, message', [
    (dict(task='track'), r"--task track: give one of \['det', 'seg', 'cls'\]"),
    (dict(teacher=[]), 'give the modalities of both models'),
    (dict(student=['ir', 'ir']), r"--student names \['ir'\] twice"),
    (dict(bit_depth=dict(rgb=12, x=10)), r"--bit-depth names \['x'\], which --teacher/--student"),
])
def test_check_names(kwargs, message):
    opts = dict(data_root='.', task='det', teacher=['rgb', 'ir'], student=['ir'])
    opts.update(kwargs)
    with pytest.raises(ScaffoldError, match=message):
        check_names(PairOptions(**opts))


def test_split_folders_and_file_rules(tmp_path):
    root = make_llvip(tmp_path / 'data')
    dirs = dict(rgb='visible', ir='infrared')
    reader = PairReader(PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=dirs))
    assert reader.dirs_of_splits({}) == dict(all=dirs)
    dirs_of = reader.dirs_of_splits(dict(train='train', test='test'))
    assert dirs_of['test'] == dict(rgb='visible/test', ir='infrared/test')
    # One suffix for all when the modalities agree ...
    sub_of = {n: [d[n] for d in dirs_of.values()] for n in reader.names}
    assert reader.rules(sub_of) == dict(suffix='.jpg')
    assert reader.folder_ids(dirs_of['test']) == ['190001', '190002']
    # ... a suffix per modality beside a pattern.
    reader.opts.pattern = dict(ir='{}.jpg')
    assert reader.rules(sub_of) == dict(suffix=dict(rgb='.jpg'), pattern=dict(ir='{}.jpg'))
    assert reader.files(dirs_of['train']).paths('010001') == dict(
        rgb=f'{root}/visible/train/010001.jpg', ir=f'{root}/infrared/train/010001.jpg')
