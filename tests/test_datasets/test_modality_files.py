"""ModalityFiles: listing a modality folder with its name rule or a dataset's own id reader."""
import os
import os.path as osp

import pytest

from cmkd_mm.datasets.modality_files import ModalityFiles


def test_list_files_keeps_name_order_and_every_file(tmp_path):
    folder = tmp_path / 'chips'
    os.makedirs(folder / 'SAR_9.png')  # a folder, not a file
    for name in ('SAR_2.png', 'SAR_10.png', 'EO_2.png', 'notes.txt'):
        (folder / name).write_bytes(b'')
    files = ModalityFiles(
        dict(sar='chips', eo='chips'),
        str(tmp_path),
        pattern=dict(sar='SAR_{}.png', eo='EO_{}.png'))
    listed = files.list_files('sar')
    assert listed == [('10', osp.join(str(folder), 'SAR_10.png')),
                      ('2', osp.join(str(folder), 'SAR_2.png'))]
    assert files.scan('sar') == dict(listed)
    # a dataset's own id reader replaces the name rule (and the file check)
    own = files.list_files('sar', read_id=lambda p: osp.basename(p)[:5].upper())
    assert [i for i, _ in own] == ['EO_2.', 'SAR_1', 'SAR_2', 'SAR_9', 'NOTES']
    with pytest.raises(FileNotFoundError, match='folder of modality "eo" not found'):
        files.list_files('eo', sub='missing')
