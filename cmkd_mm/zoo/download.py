"""Checkpoint files by URL: a verified cache, resumed downloads, mirrors for offline clusters.

:func:`fetch_checkpoint` turns a URL into a local file:

1. The cache (``$CMKD_CHECKPOINT_DIR``, default ``<torch hub dir>/checkpoints``, the directory
   mmengine and ``torch.hub`` download to, so their files are reused) is looked up by file name.
2. Otherwise the file comes from the mirror when ``$CMKD_MIRROR`` is set (a local directory
   holding the files by name, or a base URL the file name is appended to), else from the URL.
   A download goes to ``<name>.partial`` first and an interrupted one continues from there
   (HTTP ``Range``), with a progress bar.
3. A file named in the OpenMMLab way, ``<name>-<8+ hex>.pth``, carries the start of its sha256:
   it is checked after every download and every time a cached file is used. A cached file that
   does not match is downloaded again; a download that does not match is refused
   (:class:`ChecksumError`, naming the file and both hashes).
4. A cached file whose name carries no hash is checked for what can be checked without reading
   it: a zip archive (torch's format) whose end is missing (a copy or download cut short by
   hand or by another tool) is downloaded again, saying so. A file that still cannot be read is
   named, with the fix, when it is loaded (:func:`~cmkd_mm.zoo.checkpoint_loaders.load_cached`).

Offline and without a mirror, :class:`DownloadError` says which URL to fetch by hand and where
to put the file.
"""
import hashlib
import os
import os.path as osp
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import Optional

HASH_IN_NAME = re.compile(r'-([0-9a-f]{8,64})\.[A-Za-z0-9]+$')
CACHE_ENV = 'CMKD_CHECKPOINT_DIR'
MIRROR_ENV = 'CMKD_MIRROR'
CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A checkpoint could not be fetched."""


class ChecksumError(RuntimeError):
    """A checkpoint's sha256 does not start with the hash in its file name."""


def cache_dir() -> str:
    """Where checkpoints are cached: ``$CMKD_CHECKPOINT_DIR`` or ``<torch hub>/checkpoints``."""
    path = os.environ.get(CACHE_ENV)
    if not path:
        import torch.hub
        path = osp.join(torch.hub.get_dir(), 'checkpoints')
    return osp.expanduser(path)


def file_name(url: str) -> str:
    """The file name part of a URL (without query)."""
    return osp.basename(urllib.parse.urlparse(url).path)


def expected_hash(name: str) -> Optional[str]:
    """The sha256 prefix in an OpenMMLab file name (``x-1a2b3c4d.pth``), else None."""
    match = HASH_IN_NAME.search(osp.basename(name))
    return match.group(1) if match else None


def sha256_of(path: str) -> str:
    """The sha256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(CHUNK), b''):
            digest.update(block)
    return digest.hexdigest()


def verify(path: str, name: Optional[str] = None) -> bool:
    """True when the file's sha256 starts with the hash in ``name`` (default: its own name),
    or when the name carries no hash."""
    expected = expected_hash(name or path)
    return expected is None or sha256_of(path).startswith(expected)


def truncated_archive(path: str) -> bool:
    """True when ``path`` starts as a zip archive (torch's checkpoint format) but its central
    directory, written last, cannot be read: the file was cut short. Other files: False (their
    end cannot be checked without reading them).

    Args:
        path (str): A local file.
    """
    with open(path, 'rb') as f:
        if f.read(4) != b'PK\x03\x04':
            return False
    try:
        zipfile.ZipFile(path).close()
    except (zipfile.BadZipFile, OSError, EOFError):
        return True
    return False


def _check(path: str, url: str) -> None:
    expected = expected_hash(path)
    if expected is None:
        return
    actual = sha256_of(path)
    if not actual.startswith(expected):
        bad = path + '.corrupt'
        os.replace(path, bad)
        raise ChecksumError(
            f'{osp.basename(path)} from {url}: sha256 {actual[:len(expected)]}... does not '
            f'match the {expected} in its name (expected {expected}, got {actual}); the file '
            f'was moved to {bad}. The download or the mirror holds another file: fetch it '
            'again, or from the original URL.')


def _progress(total: Optional[int], initial: int, desc: str):
    from tqdm import tqdm
    return tqdm(
        total=total,
        initial=initial,
        unit='B',
        unit_scale=True,
        unit_divisor=1024,
        desc=desc,
        disable=os.environ.get('CMKD_NO_PROGRESS') == '1')


def download(url: str, dest: str, progress: bool = True, timeout: float = 60.) -> str:
    """Download ``url`` to ``dest`` through ``dest + '.partial'``, continuing a partial file.

    Args:
        url (str): ``http(s)://`` or ``file://`` URL.
        dest (str): Final path; written only once the download is complete.
        progress (bool): Show a progress bar. Defaults to True.
        timeout (float): Seconds to wait for the server. Defaults to 60.
    """
    os.makedirs(osp.dirname(osp.abspath(dest)), exist_ok=True)
    partial = dest + '.partial'
    have = osp.getsize(partial) if osp.isfile(partial) else 0
    request = urllib.request.Request(url, headers={'User-Agent': 'cmkd_mm'})
    if have:
        request.add_header('Range', f'bytes={have}-')
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # the partial file is already complete
            os.replace(partial, dest)
            return dest
        raise
    with response:
        status = getattr(response, 'status', 200)
        if have and status != 206:  # the server ignored the range: start again
            have = 0
        length = response.headers.get('Content-Length')
        total = int(length) + have if length is not None else None
        bar = _progress(total, have, file_name(dest)) if progress else None
        with open(partial, 'ab' if have else 'wb') as f:
            for block in iter(lambda: response.read(CHUNK), b''):
                f.write(block)
                if bar is not None:
                    bar.update(len(block))
        if bar is not None:
            bar.close()
    if total is not None and osp.getsize(partial) < total:
        raise DownloadError(f'{url}: the connection closed after {osp.getsize(partial)} of '
                            f'{total} bytes; run again to continue from {partial}')
    os.replace(partial, dest)
    return dest


def _mirror_source(name: str) -> Optional[str]:
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror:
        return None
    if re.match(r'^[a-z][a-z0-9+.-]*://', mirror):
        return mirror.rstrip('/') + '/' + name
    return osp.join(osp.expanduser(mirror), name)


def _offline_help(url: str, dest: str, reason: str) -> str:
    return (f'could not download {url} ({reason}). On a machine without internet, fetch it by '
            f'hand and put it at {dest} (or into the directory ${CACHE_ENV} names), or set '
            f'${MIRROR_ENV} to a directory or base URL that holds {osp.basename(dest)}.')


def fetch_checkpoint(url: str, progress: bool = True) -> str:
    """The local, verified file of checkpoint ``url`` (see the module docstring).

    Args:
        url (str): ``http(s)://`` URL of a checkpoint.
        progress (bool): Show a progress bar while downloading. Defaults to True.

    Returns:
        str: Path of the file in the cache (or in a local mirror directory).
    """
    name = file_name(url)
    dest = osp.join(cache_dir(), name)
    if osp.isfile(dest):
        if not verify(dest):
            print(f'{dest}: sha256 does not match the {expected_hash(name)} in its name '
                  '(corrupt or truncated); downloading it again')
            os.remove(dest)
        elif truncated_archive(dest):
            print(f'{dest}: truncated (a zip archive without its end; its name carries no '
                  f'sha256 to check it by); downloading {url} again')
            os.remove(dest)
        else:
            return dest
    source = _mirror_source(name) or url
    if '://' not in source:  # a local mirror directory
        if not osp.isfile(source):
            raise DownloadError(f'{name} is not in the mirror directory '
                                f'{os.environ[MIRROR_ENV]} (${MIRROR_ENV}); put it there or '
                                f'fetch {url}')
        os.makedirs(osp.dirname(dest), exist_ok=True)
        shutil.copyfile(source, dest + '.partial')
        os.replace(dest + '.partial', dest)
    else:
        try:
            download(source, dest, progress=progress)
        except (urllib.error.URLError, OSError) as err:
            if isinstance(err, urllib.error.HTTPError) and err.code == 404:
                raise DownloadError(f'{source}: not found (HTTP 404)') from err
            reason = getattr(err, 'reason', err)
            raise DownloadError(_offline_help(url, dest, str(reason))) from err
    _check(dest, source)
    return dest
