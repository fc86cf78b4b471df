"""The model index (``model-index.yml``, the OpenMMLab / ``mim`` format) and model names.

``model-index.yml`` at the repository root imports the ``metafile.yml`` of each system's config
folder (``configs/<task>/[<system>/]``); a model's name is its config's file name without
``.py`` (``docs/config_names.md``). :func:`model_index_path` finds it: ``$CMKD_MODEL_INDEX``
(a file), else the model index of the package's configs
(:func:`cmkd_mm.utils.config_paths.package_roots`: the checkout the package is imported from,
else the copy shipped in ``cmkd_mm/.mim``), like every config path. :func:`model_entries` reads
it with ``modelindex`` (``mim``'s reader) and :func:`resolve_weights` turns a model name into
its checkpoint URL.
"""
import os
import os.path as osp
from typing import Dict, Optional

from ..utils.config_paths import package_roots

INDEX_ENV = 'CMKD_MODEL_INDEX'


def model_index_path() -> str:
    """Path of the model index in use."""
    path = os.environ.get(INDEX_ENV)
    if path:
        if not osp.isfile(path):
            raise FileNotFoundError(f'${INDEX_ENV}={path}: no such file')
        return path
    for root in package_roots():
        candidate = osp.join(root, 'model-index.yml')
        if osp.isfile(candidate):
            return candidate
    raise FileNotFoundError('no model-index.yml found: set $CMKD_MODEL_INDEX to one')


def model_entries(path: Optional[str] = None) -> Dict[str, dict]:
    """``model name -> dict(name, collection, config, weights, results, metadata)``.

    Args:
        path (str, optional): A ``model-index.yml``; default :func:`model_index_path`.
    """
    import modelindex
    index = modelindex.load(path or model_index_path())
    entries = {}
    for model in index.models:
        if model.name in entries:
            raise ValueError(f'model name "{model.name}" appears twice in the model index')
        entries[model.name] = dict(
            name=model.name,
            collection=model.in_collection,
            config=model.config,
            weights=model.weights,
            metadata=model.metadata.data if model.metadata else {},
            results=[
                dict(task=r.task, dataset=r.dataset, metrics=r.metrics)
                for r in (model.results or [])
            ])
    return entries


def resolve_weights(name: str, path: Optional[str] = None) -> str:
    """The checkpoint URL of model ``name`` in the model index.

    Raises:
        KeyError: The name is not in the index, or its entry has no ``Weights`` yet.
    """
    entries = model_entries(path)
    if name not in entries:
        close = sorted(n for n in entries if name.split('_')[0] in n)[:5]
        raise KeyError(f'"{name}" is not a model of the model index {path or model_index_path()}'
                       f'{"; similar: " + ", ".join(close) if close else ""} (list them with '
                       'python tools/misc/download_checkpoint.py --list)')
    weights = entries[name]['weights']
    if not weights:
        raise KeyError(f'model "{name}" has no released checkpoint yet (no Weights in the model '
                       'index); train it with its config: ' + str(entries[name]['config']))
    return weights
