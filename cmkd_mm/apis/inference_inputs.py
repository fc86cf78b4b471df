"""What an inference call is given: samples of named modality files, checked against what the
model reads.

A sample is ``{modality: path}`` (``{'thermal': 'x.png'}``, ``{'pre': a, 'post': b}``); a model
that reads one modality also takes a plain path. A list of samples is a batch. A folder (one
modality) or ``{modality: folder}`` gives every image in it; the files of several folders are
paired by name (the same file stem in every folder).

:func:`check_student_inputs` reads each sample with ``LoadModalities`` and the config's
``student_inputs`` (``{modality: LoadModalities spec}``, what the student reads), so that a file
of the wrong channel count or bit depth is refused naming the file and what is expected, also
before a plain config is handed to a downstream inferencer.
"""
import os
import os.path as osp
from collections.abc import Mapping
from typing import Dict, List, NamedTuple, Sequence, Union

from mmengine.config import Config

from ..datasets.modality_files import missing_partner_error
from ..datasets.transforms.loading import LoadModalities

#: File extensions listed from a folder (mmdet's ``DetInferencer`` lists the same).
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')

SampleInput = Union[str, Mapping]
Inputs = Union[SampleInput, Sequence[SampleInput]]


class InferenceSample(NamedTuple):
    """One sample to predict: its name (the first modality's file stem, made unique in the
    call) and ``{modality: path}`` in the order the model reads them."""
    name: str
    paths: Dict[str, str]


def image_files(folder: str) -> List[str]:
    """The image files of a folder (by extension, any case), sorted by name."""
    return [
        osp.join(folder, name) for name in sorted(os.listdir(folder))
        if osp.splitext(name)[1].lower() in IMG_EXTENSIONS and osp.isfile(osp.join(folder, name))
    ]


def _stems(folder: str, modality: str) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for path in image_files(folder):
        stem = osp.splitext(osp.basename(path))[0]
        if stem in found:
            raise ValueError(f'{found[stem]} and {path}: two images of one name in the folder of '
                             f'modality "{modality}"; the files of the folders are paired by '
                             f'name, so keep one of them.')
        found[stem] = path
    if not found:
        raise FileNotFoundError(f'{folder}: no image ({", ".join(IMG_EXTENSIONS)}) in the folder '
                                f'of modality "{modality}".')
    return found


def paired_folders(folders: Dict[str, str]) -> List[Dict[str, str]]:
    """Pair the images of ``{modality: folder}`` by file stem.

    Args:
        folders (dict): ``modality -> folder``.

    Returns:
        list[dict]: ``{modality: path}`` of every stem, sorted by stem.

    Raises:
        FileNotFoundError: A file has no partner of the same stem in another folder (the error
            names the file and the missing partner).
    """
    found = {m: _stems(folder, m) for m, folder in folders.items()}
    stems = sorted(set().union(*found.values()))
    unpaired = []
    for stem in stems:
        have = [m for m in folders if stem in found[m]]
        for lost in (m for m in folders if stem not in found[m]):
            unpaired.append((osp.join(folders[lost], stem + '.*'), found[have[0]][stem]))
    if unpaired:
        raise missing_partner_error(
            unpaired, ', '.join(f'{m}={f}' for m, f in folders.items()),
            'The files of the modality folders are paired by name: give every file a partner of '
            'the same name (any image extension) or move it out.')
    return [{m: found[m][stem] for m in folders} for stem in stems]


def _sample_dicts(item: SampleInput, modalities: Sequence[str]) -> List[Dict[str, str]]:
    """``{modality: path}`` of each sample one input item gives."""
    if isinstance(item, str):
        if len(modalities) != 1:
            raise ValueError(
                f'{item}: a plain path, but the model reads the modalities {list(modalities)}; '
                f'give each sample as {{modality: path}} (a dict of folders pairs files by name).')
        if osp.isdir(item):
            return [{modalities[0]: path} for path in image_files(item)]
        return [{modalities[0]: item}]
    if not isinstance(item, Mapping):
        raise TypeError(f'an input is a path or {{modality: path}}, not {type(item).__name__} '
                        f'({item!r})')
    missing = [m for m in modalities if m not in item]
    if missing:
        raise KeyError(f'sample {dict(item)}: gives the modalities {sorted(item)}, the model reads '
                       f'{list(modalities)}; add {missing}.')
    chosen = {m: item[m] for m in modalities}
    folders = [m for m, path in chosen.items() if osp.isdir(path)]
    if not folders:
        return [chosen]
    if len(folders) != len(chosen):
        raise ValueError(f'sample {chosen}: {folders} are folders and the others files; give '
                         f'either one file or one folder per modality.')
    return paired_folders(chosen)


def collect_samples(inputs: Inputs, modalities: Sequence[str]) -> List[InferenceSample]:
    """The samples an inference call is given, each with every modality the model reads.

    Args:
        inputs (str | dict | list): A path (one-modality model), a folder (one-modality model),
            ``{modality: path}``, ``{modality: folder}`` (files paired by name), or a list of
            those. Modalities the model does not read are ignored.
        modalities (Sequence[str]): The modalities the model reads, in its order.

    Returns:
        list[InferenceSample]: Named samples; a name repeated in the call gets ``_2``, ``_3``...

    Raises:
        KeyError: A sample lacks a modality the model reads (naming the sample, the
            modalities given and those needed).
        FileNotFoundError: A file of a folder has no partner in another folder, or a folder has
            no image.
    """
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    samples, seen = [], {}
    for item in items:
        for paths in _sample_dicts(item, modalities):
            stem = osp.splitext(osp.basename(paths[modalities[0]]))[0]
            seen[stem] = seen.get(stem, 0) + 1
            name = stem if seen[stem] == 1 else f'{stem}_{seen[stem]}'
            samples.append(InferenceSample(name, paths))
    if not samples:
        raise ValueError(f'no sample in the inputs {inputs!r}')
    return samples


def image_paths(inputs: Inputs) -> List[str]:
    """The image files of inputs for a model that reads one image per sample (a downstream
    inferencer): a path, a folder (its images), ``{modality: path or folder}`` of one modality,
    or a list of those.

    Args:
        inputs (str | dict | list): As :func:`collect_samples` takes them, one modality.
    """
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    names = sorted({m for item in items if isinstance(item, Mapping) for m in item})
    if len(names) > 1:
        raise ValueError(f'the model reads one image per sample; the inputs name the modalities '
                         f'{names}')
    name = names[0] if names else 'img'
    return [sample.paths[name] for sample in collect_samples(inputs, [name])]


def check_student_inputs(cfg: Config, inputs: Inputs) -> List[InferenceSample]:
    """Read every sample as the student does and refuse a file it cannot read.

    Each sample is loaded with ``LoadModalities(modalities=cfg.student_inputs)``, whose checks
    name the file and what the student expects (``num_channels``, ``bit_depth``, ``channels``,
    ``size``).

    Args:
        cfg (Config): A student config with ``student_inputs = {modality: LoadModalities spec}``
            (a plain one as much as a multi-modal one).
        inputs (str | dict | list): As :func:`collect_samples` takes them.

    Returns:
        list[InferenceSample]: The checked samples.

    Raises:
        KeyError: The config has no ``student_inputs``, or a sample lacks a modality.
        ValueError: A file is not what the student reads.
    """
    specs = cfg.get('student_inputs')
    if not specs:
        raise KeyError(f'{cfg.filename or "the config"}: no "student_inputs" '
                       '({modality: LoadModalities spec}) to check the inputs against; '
                       'write the student config with tools/model_converters/extract_student.py')
    loader = LoadModalities(modalities={m: dict(spec or {}) for m, spec in specs.items()})
    samples = collect_samples(inputs, list(specs))
    for sample in samples:
        loader(dict(modality_paths=dict(sample.paths), img_id=sample.name))
    return samples
