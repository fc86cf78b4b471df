"""Checkpoint schemes for mmengine's ``CheckpointLoader``, registered on ``import cmkd_mm``.

Wherever mmengine takes a checkpoint (``load_from``, ``init_cfg.checkpoint``, a distillation
``teacher_ckpt``, ``tools/test.py``):

* ``cmkd://<model name>``: the model's ``Weights`` URL from the model index, downloaded
  through :func:`~cmkd_mm.zoo.download.fetch_checkpoint` (cache, mirror, resume, sha256);
* ``http(s)://…``: the same verified download (mmengine's own never checks the hash), so
  OpenMMLab zoo URLs such as ``…_20200130-047c8118.pth`` are checked too;
* ``torchvision://<name>``: the torchvision ImageNet weights at their published URL, without
  importing torchvision (which has no CPU wheel for this torch); :data:`TORCHVISION_URLS`.

Under distributed training rank 0 downloads while the other ranks wait, then all load.
"""
import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.runner.checkpoint import CheckpointLoader

from ..utils.checkpoint import CheckpointReadError, unreadable_message
from .download import CACHE_ENV, fetch_checkpoint
from .model_index import resolve_weights

# torchvision's IMAGENET1K_V1 weights (the weights of ``pretrained=True``), the names configs
# use as ``torchvision://<name>``.
TORCHVISION_URLS = {
    'resnet18': 'https://download.pytorch.org/models/resnet18-f37072fd.pth',
    'resnet34': 'https://download.pytorch.org/models/resnet34-b627a593.pth',
    'resnet50': 'https://download.pytorch.org/models/resnet50-0676ba61.pth',
    'resnet101': 'https://download.pytorch.org/models/resnet101-63fe2227.pth',
    'resnet152': 'https://download.pytorch.org/models/resnet152-394f9c45.pth',
    'resnext50_32x4d': 'https://download.pytorch.org/models/resnext50_32x4d-7cdf4587.pth',
    'vgg16': 'https://download.pytorch.org/models/vgg16-397923af.pth',
}


def local_file(url: str) -> str:
    """Fetch ``url`` once per machine (rank 0 first) and return the local path."""
    rank, world_size = get_dist_info()
    if rank == 0:
        path = fetch_checkpoint(url)
    if world_size > 1:
        barrier()
        if rank > 0:
            path = fetch_checkpoint(url)
    return path


def load_cached(path: str, url: str, map_location=None):
    """Read the cached file ``path`` of ``url``; one that cannot be read (a file truncated by
    hand or by another tool, when its name carries no sha256 to check) is named, with the fix.

    Raises:
        CheckpointReadError: naming the cached file, the URL and how to download it again.
    """
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except Exception as err:  # torch raises many types for a damaged file
        raise CheckpointReadError(
            f'{unreadable_message(path, err)}. It is the cached download of {url} (cache: '
            f'${CACHE_ENV} or the torch hub checkpoints folder): delete {path} and run again '
            f'to download it again (or by itself: python tools/misc/download_checkpoint.py '
            f'{url})') from err


def load_from_url(filename: str, map_location=None):
    """``http(s)://`` checkpoints, verified against the sha256 prefix in their name."""
    return load_cached(local_file(filename), filename, map_location)


def load_from_model_name(filename: str, map_location=None):
    """``cmkd://<model name>``."""
    url = resolve_weights(filename[len('cmkd://'):])
    return load_cached(local_file(url), url, map_location)


def torchvision_url(filename: str) -> str:
    """The URL of ``torchvision://<name>``."""
    name = filename[len('torchvision://'):]
    if name not in TORCHVISION_URLS:
        raise KeyError(f'{filename}: unknown torchvision model (known: '
                       f'{", ".join(sorted(TORCHVISION_URLS))}); give its download URL instead')
    return TORCHVISION_URLS[name]


def load_from_torchvision(filename: str, map_location=None):
    """``torchvision://<name>`` without importing torchvision."""
    return load_from_url(torchvision_url(filename), map_location)


CheckpointLoader.register_scheme(prefixes='cmkd://', loader=load_from_model_name, force=True)
CheckpointLoader.register_scheme(prefixes=('http://', 'https://'), loader=load_from_url, force=True)
CheckpointLoader.register_scheme(
    prefixes='torchvision://', loader=load_from_torchvision, force=True)
