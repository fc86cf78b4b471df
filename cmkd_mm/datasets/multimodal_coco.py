"""Any COCO json whose image entries are samples of several modality files, as an mmdet dataset."""
import copy
import os.path as osp
from typing import Dict, List, Optional

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS
from mmengine.fileio import get_local_path

from .modality_files import ModalityFiles, NameRule, missing_partner_error
from .sample_lists import require_samples


@DATASETS.register_module()
class MultiModalCocoDataset(CocoDataset):
    """A COCO json of boxes over samples that are one file per modality.

    The json is an ordinary COCO detection file (``images``, ``annotations``, ``categories``); its
    boxes and ``width``/``height`` are in the pixel frame of the reference modality (the first of
    ``modality_dirs`` unless the pipeline's ``LoadModalities`` names another). Each image entry is
    one sample; its id is the entry's ``sample`` key when present, else its ``file_name`` without
    folder and extension. The folder part of ``file_name`` is dropped: the folders come from
    ``modality_dirs`` alone, so a json written for one modality (``visible/train/010001.jpg`` or
    ``010001.jpg``) serves every modality. To keep a sub-folder (file names that repeat across
    folders), give the entries a ``sample`` key such as ``'day/000123'``; two entries that name the
    same sample are an error. The file of modality ``m`` is
    ``data_root/<modality_dirs[m]>/<file name of the id>``, the file name being the id plus the
    suffix, or the pattern with the id in place of ``{}``::

        data_root/                         e.g. LLVIP converted to COCO
        ├── annotations/train.json         "file_name": "010001.jpg"
        ├── visible/train/010001.jpg       modality_dirs=dict(rgb='visible/train',
        └── infrared/train/010001.jpg                         ir='infrared/train')

    Classes: ``metainfo=dict(classes=(...))`` selects categories by name, listed in the json's
    category order (mmdet numbers the labels, and ``CocoMetric`` maps them back, in that order); a
    class the json lacks, or an order that differs, is an error showing the json's categories.
    Without classes in ``metainfo`` every category of the json is a class, in the json's order
    (the id order for jsons that list categories by id, as converters write them); with
    ``lazy_init=True`` name them in ``metainfo``, since the json is read only on first use.

    Every modality file of every sample is checked when the dataset is built (``check_files``): a
    missing file is reported with the partner that exists, at once and by name.

    Args:
        modality_dirs (dict): ``modality -> folder`` under ``data_root`` (or absolute), in the
            order the modalities are listed in ``modality_paths``.
        suffix (str | dict, optional): File extension appended to the sample id, one for every
            modality or ``modality -> extension``. Default: the extension of each image entry's
            ``file_name``, for every modality.
        pattern (str | dict, optional): File name with one ``{}`` for the sample id (e.g.
            ``'{}_ir.tiff'``), one for every modality or ``modality -> pattern``; a modality with
            a pattern ignores ``suffix``.
        check_files (bool): Check that every modality file exists when building. Defaults to
            True.
        **kwargs: ``CocoDataset`` arguments (``ann_file``, ``data_root``, ``metainfo``,
            ``pipeline``, ``filter_cfg``, ``test_mode``...).

    Each data info holds the ``CocoDataset`` keys plus ``sample`` (the id) and
    ``modality_paths`` (``modality -> path``); ``img_path`` is the first modality's file.

    Example:
        >>> dataset = dict(
        ...     type='MultiModalCocoDataset', data_root='data/llvip/',
        ...     ann_file='annotations/train.json',
        ...     modality_dirs=dict(rgb='visible/train', ir='infrared/train'), suffix='.jpg',
        ...     metainfo=dict(classes=('person', )), pipeline=[...])
    """

    # No default classes: they come from the json unless metainfo names them.
    METAINFO: dict = dict()
    #: What to do when the json lists no image (completes "Fill it, or ...").
    empty_hint = 'point ann_file at the annotation file you meant'

    def __init__(self,
                 *args,
                 modality_dirs: Dict[str, str],
                 suffix: Optional[NameRule] = None,
                 pattern: Optional[NameRule] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        self.modality_dirs = dict(modality_dirs or {})
        self.suffix = suffix
        self.pattern = pattern
        self.check_files = check_files
        self._files: Dict[str, ModalityFiles] = {}
        # A bad file-name rule fails here, before the json is read.
        ModalityFiles(self.modality_dirs, suffix='' if suffix is None else suffix, pattern=pattern)
        kwargs.setdefault('data_prefix', dict(img=''))
        super().__init__(*args, **kwargs)

    def modality_files(self, extension: str) -> ModalityFiles:
        """The :class:`ModalityFiles` of the samples whose ``file_name`` ends in ``extension``
        (the extension matters only when ``suffix`` is None)."""
        suffix = extension if self.suffix is None else self.suffix
        key = suffix if isinstance(suffix, str) else ''
        if key not in self._files:
            self._files[key] = ModalityFiles(
                self.modality_dirs, root=self.data_root or '', suffix=suffix, pattern=self.pattern)
        return self._files[key]

    @staticmethod
    def sample_id(img_info: dict) -> str:
        """The sample id of a json image entry: its ``sample``, else its file's stem."""
        return img_info.get('sample') or osp.splitext(osp.basename(img_info['file_name']))[0]

    def select_categories(self, categories: List[dict]) -> List[int]:
        """The category ids of the classes, in label order; sets the classes from the json when
        ``metainfo`` gives none."""
        names = [cat['name'] for cat in categories]
        classes = self._metainfo.get('classes')
        if classes is None:
            if not categories:
                raise ValueError(f'{self.ann_file}: the json has no categories, so the classes '
                                 'are unknown; name them: metainfo=dict(classes=(...))')
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f'{self.ann_file}: categories {repeated} appear more than once; '
                                 'give each category one entry.')
            self._metainfo['classes'] = tuple(names)
            return [cat['id'] for cat in categories]
        classes = tuple(classes)
        if not categories:
            return []
        absent = [c for c in classes if c not in names]
        if absent:
            raise ValueError(f'{self.ann_file}: metainfo classes {absent} are not categories of '
                             f'this json; its categories, in order: {tuple(names)}')
        chosen = [cat for cat in categories if cat['name'] in classes]
        order = tuple(cat['name'] for cat in chosen)
        if order != classes:
            raise ValueError(f'{self.ann_file}: metainfo classes {classes} must follow the '
                             "json's category order (mmdet numbers the labels and CocoMetric "
                             f'maps them back in that order), each once: classes={order}')
        return [cat['id'] for cat in chosen]

    def load_data_list(self) -> List[dict]:
        with get_local_path(self.ann_file, backend_args=self.backend_args) as local_path:
            coco = self.COCOAPI(local_path)
        self.cat_ids = self.select_categories(coco.dataset.get('categories', []))
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}
        self.cat_img_map = copy.deepcopy(coco.cat_img_map)

        data_list, ann_ids, entry_of = [], [], {}
        for img_id in coco.get_img_ids():
            raw_img_info = coco.load_imgs([img_id])[0]
            raw_img_info['img_id'] = img_id
            img_ann_ids = coco.get_ann_ids(img_ids=[img_id])
            ann_ids.extend(img_ann_ids)
            info = self.parse_data_info(
                dict(raw_ann_info=coco.load_anns(img_ann_ids), raw_img_info=raw_img_info))
            if info['sample'] in entry_of:
                raise ValueError(
                    f'{self.ann_file}: image entries {entry_of[info["sample"]]!r} and '
                    f'{raw_img_info.get("file_name")!r} are both sample "{info["sample"]}" (the '
                    'folder part of file_name is not part of the id); give each image entry a '
                    '"sample" key that tells them apart, e.g. "day/000123".')
            entry_of[info['sample']] = raw_img_info.get('file_name')
            data_list.append(info)
        if self.ANN_ID_UNIQUE and len(set(ann_ids)) != len(ann_ids):
            repeated = next(i for i in ann_ids if ann_ids.count(i) > 1)
            raise ValueError(f'{self.ann_file}: annotation ids are not unique (id {repeated} '
                             'appears more than once); give every annotation its own id.')
        data_list = require_samples(data_list, self.ann_file, self.empty_hint)
        if self.check_files:
            self.check_modality_files(data_list)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        data_info = super().parse_data_info(raw_data_info)
        img_info = raw_data_info['raw_img_info']
        sample = self.sample_id(img_info)
        files = self.modality_files(osp.splitext(img_info.get('file_name', ''))[1])
        data_info['sample'] = sample
        data_info['modality_paths'] = files.paths(sample)
        data_info['img_path'] = next(iter(data_info['modality_paths'].values()))
        return data_info

    def check_modality_files(self, data_list: List[dict]) -> None:
        """Raise naming the first missing modality file and its partner, if any is missing."""
        problems = self.modality_files('').missing(info['modality_paths'] for info in data_list)
        if problems:
            raise missing_partner_error(
                problems, self.ann_file,
                'Check data_root, modality_dirs and the file-name rule (suffix, pattern), or '
                'remove those images from the json.')
