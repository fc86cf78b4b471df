"""A cached checkpoint whose name carries no sha256 (so nothing checks it by hash) and that was
cut short: a truncated zip archive is downloaded again, anything else unreadable is named at
load time with the fix; against a real HTTP server on 127.0.0.1."""
import pytest
import torch
from mmengine.runner import CheckpointLoader

from cmkd_mm.utils.checkpoint import CheckpointReadError
from cmkd_mm.zoo import fetch_checkpoint
from cmkd_mm.zoo.download import truncated_archive
from . import test_checkpoint_download as downloads

# the local HTTP server and the empty checkpoint cache of the download tests
server, cache = downloads.server, downloads.cache


def test_a_truncated_cached_file_without_hash_is_downloaded_again(server, cache, tmp_path, capsys):
    data = downloads._ckpt_bytes(tmp_path)
    server.files['plain.pth'] = data  # no hash in the name
    url = f'{server.url}/plain.pth'
    path = fetch_checkpoint(url)
    assert not truncated_archive(path)
    with open(path, 'r+b') as f:  # a copy cut short
        f.truncate(len(data) // 2)
    assert truncated_archive(path)
    assert fetch_checkpoint(url) == path
    assert open(path, 'rb').read() == data and len(server.requests) == 2
    assert f'{path}: truncated' in capsys.readouterr().out


def test_an_unreadable_cached_file_without_hash_names_the_file_and_the_fix(server, cache, tmp_path):
    server.files['plain.pth'] = downloads._ckpt_bytes(tmp_path)
    url = f'{server.url}/plain.pth'
    cache.mkdir()
    path = cache / 'plain.pth'
    path.write_bytes(b'\x80\x02not a checkpoint at all' * 10)  # not a zip: no end to check
    with pytest.raises(CheckpointReadError) as err:
        CheckpointLoader.load_checkpoint(url, map_location='cpu')
    text = str(err.value)
    assert text.startswith(f'{path} is not a readable PyTorch checkpoint')
    assert f'It is the cached download of {url}' in text
    assert f'delete {path} and run again' in text
    assert f'python tools/misc/download_checkpoint.py {url}' in text
    assert server.requests == []  # the cached file was used, not fetched again
    path.unlink()  # the fix
    ckpt = CheckpointLoader.load_checkpoint(url, map_location='cpu')
    torch.testing.assert_close(ckpt['state_dict']['w'], torch.arange(4.))
