"""Verified checkpoint downloads against a real HTTP server on 127.0.0.1: ``cmkd://`` names
through a model index, cache hits without network, a corrupted cache re-downloaded, a hash
mismatch refused, an interrupted download resumed, mirrors, the offline error, and a
distillation config whose ``teacher_ckpt`` is a ``cmkd://`` name training one iteration."""
import hashlib
import http.server
import os
import os.path as osp
import threading

import pytest
import torch
from mmengine.runner import CheckpointLoader

from cmkd_mm.zoo import (ChecksumError, DownloadError, expected_hash, fetch_checkpoint,
                         resolve_weights)


class _Server:
    """Serves ``files`` (name -> bytes) with HTTP Range; ``cut`` makes the first response of a
    file stop after that many bytes (a dropped connection). Records each request."""

    def __init__(self):
        self.files, self.cut, self.requests = {}, {}, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):

            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.lstrip('/')
                outer.requests.append((name, self.headers.get('Range')))
                if name not in outer.files:
                    self.send_error(404)
                    return
                data, start = outer.files[name], 0
                rng = self.headers.get('Range')
                if rng:
                    start = int(rng.split('=')[1].split('-')[0])
                    self.send_response(206)
                    self.send_header('Content-Range', f'bytes {start}-{len(data) - 1}/{len(data)}')
                else:
                    self.send_response(200)
                self.send_header('Content-Length', str(len(data) - start))
                self.end_headers()
                body = data[start:]
                if name in outer.cut:
                    body = body[:outer.cut.pop(name)]
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add(self, stem: str, data: bytes, good: bool = True) -> str:
        digest = hashlib.sha256(data if good else data + b'x').hexdigest()
        name = f'{stem}-{digest[:8]}.pth'
        self.files[name] = data
        return name

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _ckpt_bytes(tmp_path, seed=0) -> bytes:
    path = tmp_path / f'src{seed}.pth'
    torch.save(dict(state_dict=dict(w=torch.arange(4.) + seed), meta=dict(seed=seed)), path)
    return path.read_bytes()


@pytest.fixture
def server():
    srv = _Server()
    yield srv
    srv.stop()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / 'cache'
    monkeypatch.setenv('CMKD_CHECKPOINT_DIR', str(folder))
    monkeypatch.setenv('CMKD_NO_PROGRESS', '1')
    monkeypatch.delenv('CMKD_MIRROR', raising=False)
    return folder


def _index(tmp_path, monkeypatch, weights: str, name='toy_model', config='configs/x.py'):
    (tmp_path / 'configs').mkdir(exist_ok=True)
    (tmp_path / 'configs' / 'metafile.yml').write_text(
        'Collections:\n  - Name: Toy\n    README: README.md\nModels:\n'
        f'  - Name: {name}\n    In Collection: Toy\n    Config: {config}\n'
        f'    Weights: {weights}\n')
    index = tmp_path / 'model-index.yml'
    index.write_text('Import:\n  - configs/metafile.yml\n')
    monkeypatch.setenv('CMKD_MODEL_INDEX', str(index))
    return index


def test_name_download_then_cache_hit_without_network(server, cache, tmp_path, monkeypatch):
    data = _ckpt_bytes(tmp_path)
    name = server.add('toy_model_20261201', data)
    _index(tmp_path, monkeypatch, f'{server.url}/{name}')
    assert resolve_weights('toy_model') == f'{server.url}/{name}'
    ckpt = CheckpointLoader.load_checkpoint('cmkd://toy_model', map_location='cpu')
    assert ckpt['meta'] == dict(seed=0)
    assert (cache / name).read_bytes() == data and len(server.requests) == 1
    server.stop()  # no network: the verified cached file serves
    again = CheckpointLoader.load_checkpoint('cmkd://toy_model', map_location='cpu')
    torch.testing.assert_close(again['state_dict']['w'], torch.arange(4.))


def test_corrupted_cache_is_downloaded_again(server, cache, tmp_path):
    data = _ckpt_bytes(tmp_path)
    name = server.add('m', data)
    url = f'{server.url}/{name}'
    path = fetch_checkpoint(url)
    with open(path, 'r+b') as f:  # flip one byte of the cached file
        f.seek(10)
        byte = f.read(1)
        f.seek(10)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert fetch_checkpoint(url) == path
    assert open(path, 'rb').read() == data and len(server.requests) == 2


def test_hash_mismatch_is_refused(server, cache, tmp_path):
    name = server.add('m', _ckpt_bytes(tmp_path), good=False)
    with pytest.raises(ChecksumError) as err:
        fetch_checkpoint(f'{server.url}/{name}')
    text = str(err.value)
    assert name in text and expected_hash(name) in text and 'got' in text
    assert not (cache / name).exists()  # never left where the cache would use it


def test_interrupted_download_resumes(server, cache, tmp_path):
    data = _ckpt_bytes(tmp_path) * 3
    name = server.add('big', data)
    server.cut[name] = len(data) // 2
    with pytest.raises(DownloadError, match='run again to continue'):
        fetch_checkpoint(f'{server.url}/{name}')
    partial = cache / (name + '.partial')
    assert partial.stat().st_size == len(data) // 2
    assert open(fetch_checkpoint(f'{server.url}/{name}'), 'rb').read() == data
    assert server.requests[-1] == (name, f'bytes={len(data) // 2}-')


def test_mirror_directory_and_mirror_url(server, cache, tmp_path, monkeypatch):
    data = _ckpt_bytes(tmp_path)
    name = server.add('m', data)
    mirror = tmp_path / 'mirror'
    mirror.mkdir()
    (mirror / name).write_bytes(data)
    monkeypatch.setenv('CMKD_MIRROR', str(mirror))
    url = f'https://unreachable.invalid/zoo/{name}'
    assert open(fetch_checkpoint(url), 'rb').read() == data and server.requests == []
    os.remove(cache / name)
    monkeypatch.setenv('CMKD_MIRROR', server.url + '/')
    assert open(fetch_checkpoint(url), 'rb').read() == data
    assert server.requests == [(name, None)]


def test_offline_error_says_what_to_do(cache, tmp_path):
    url = 'http://127.0.0.1:9/zoo/model-0123abcd.pth'  # discard port: nothing listens
    with pytest.raises(DownloadError) as err:
        fetch_checkpoint(url)
    text = str(err.value)
    assert url in text and str(cache / 'model-0123abcd.pth') in text and 'CMKD_MIRROR' in text


def test_https_urls_are_verified_too(server, cache, tmp_path):
    """The http(s) scheme of mmengine's CheckpointLoader is ours: zoo URLs are checked."""
    name = server.add('faster_rcnn_x_20200130', _ckpt_bytes(tmp_path), good=False)
    with pytest.raises(ChecksumError):
        CheckpointLoader.load_checkpoint(f'{server.url}/{name}', map_location='cpu')


def test_unknown_and_unreleased_names(tmp_path, monkeypatch):
    _index(tmp_path, monkeypatch, weights='')
    with pytest.raises(KeyError, match='no released checkpoint'):
        resolve_weights('toy_model')
    with pytest.raises(KeyError, match='not a model'):
        resolve_weights('other')


def test_teacher_ckpt_by_name_trains_one_iteration(server, cache, tmp_path, monkeypatch,
                                                   mfnet_demo_root):
    """A CMKD demo config with teacher_ckpt='cmkd://…' loads the teacher over HTTP."""
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.runner import Runner

    from cmkd_mm.utils.config import load_config
    from ..conftest import ROOT, tiny_cfg
    config = osp.join(ROOT, 'configs', 'demo',
                      'cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py')
    teacher_cfg = load_config(config).model.teacher
    init_default_scope('mmseg')
    torch.manual_seed(3)
    teacher = MODELS.build(teacher_cfg)
    src = tmp_path / 'teacher.pth'
    torch.save(dict(state_dict=teacher.state_dict()), src)
    name = server.add('cmkd_demo_teacher', src.read_bytes())
    _index(tmp_path, monkeypatch, f'{server.url}/{name}', name='demo_teacher')
    cfg = tiny_cfg(config, mfnet_demo_root, str(tmp_path / 'work'), iters=1)
    cfg.model.teacher_ckpt = 'cmkd://demo_teacher'
    runner = Runner.from_cfg(cfg)
    runner.train()
    loaded = runner.model.teacher.state_dict()
    for key, value in teacher.state_dict().items():
        torch.testing.assert_close(loaded[key], value)
    assert [r[0] for r in server.requests] == [name]


def test_download_tool_by_name_and_list(server, cache, tmp_path, monkeypatch, capsys):
    from ..conftest import load_tool
    tool = load_tool('misc/download_checkpoint.py')
    name = server.add('toy', _ckpt_bytes(tmp_path))
    _index(tmp_path, monkeypatch, f'{server.url}/{name}')
    path = tool.main(['toy_model', '--dest', str(tmp_path / 'dest')])
    assert path == str(tmp_path / 'dest' / name) and osp.isfile(path)
    assert '| toy_model | configs/x.py |' in tool.main(['--list'])
