"""The model zoo: names in the model index, verified checkpoint downloads, mirrors, and the
``cmkd://``, ``http(s)://`` and ``torchvision://`` checkpoint schemes (registered on import)."""
from .checkpoint_loaders import TORCHVISION_URLS, torchvision_url
from .download import (ChecksumError, DownloadError, cache_dir, expected_hash, fetch_checkpoint,
                       sha256_of, verify)
from .model_index import model_entries, model_index_path, resolve_weights
from .publish import Published, publish_checkpoint

__all__ = [
    'TORCHVISION_URLS', 'ChecksumError', 'DownloadError', 'cache_dir', 'expected_hash',
    'fetch_checkpoint', 'model_entries', 'model_index_path', 'publish_checkpoint', 'Published',
    'resolve_weights', 'sha256_of', 'torchvision_url', 'verify'
]
