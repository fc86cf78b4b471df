"""Pascal VOC XML boxes over samples of several modality files, as an mmdet dataset."""
import logging
import os
import os.path as osp
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Dict, List, Optional, Tuple

from mmdet.datasets import XMLDataset
from mmdet.registry import DATASETS
from mmengine.logging import print_log
from PIL import Image

from .modality_files import ModalityFiles, NameRule, missing_partner_error
from .sample_lists import read_name_list, require_samples


@DATASETS.register_module()
class MultiModalVOCDataset(XMLDataset):
    """Pascal VOC XML annotations of any classes over samples that are one file per modality.

    One XML per sample, ``<ann_dir>/<id>.xml``; the file of modality ``m`` is
    ``data_root/<modality_dirs[m]>/<file name of the id>`` (the id plus ``suffix``, or ``pattern``
    with the id in place of ``{}``). The boxes are in the pixel frame of the reference modality
    (the first of ``modality_dirs`` unless the pipeline's ``LoadModalities`` names another).
    The samples are, in this order of precedence:

    * the ids of the split list ``ann_file`` (one per line, an optional ``.xml`` dropped), in its
      order; an id whose XML is missing is an error naming the split file and the XML;
    * with ``samples_from='<modality>'``, every file of that modality's folder (sorted), each of
      which must have its XML: for layouts whose one annotation folder serves several splits;
    * else every ``*.xml`` of ``ann_dir`` (sorted).

    Examples of real layouts::

        LLVIP/                               MultiModalVOCDataset(
        ├── Annotations/010001.xml               data_root='data/LLVIP/',
        ├── visible/{train,test}/010001.jpg      modality_dirs=dict(rgb='visible/train',
        └── infrared/{train,test}/010001.jpg                        ir='infrared/train'),
                                                 suffix='.jpg', samples_from='rgb',
                                                 metainfo=dict(classes=('person', )))
        (Annotations/ holds the XMLs of both splits; samples_from lists a split's images.)

        M3FD_Detection/ (M3FD as released)   MultiModalVOCDataset(
        ├── Annotation/00000.xml                 data_root='data/M3FD_Detection/',
        ├── Vis/00000.png                        ann_dir='Annotation', ann_file='meta/train.txt',
        └── Ir/00000.png                         modality_dirs=dict(rgb='Vis', ir='Ir'),
                                                 suffix='.png', metainfo=dict(classes=(
                                                     'People', 'Car', 'Bus', 'Motorcycle',
                                                     'Lamp', 'Truck')))
        (M3FD ships no split list: write one, e.g. meta/train.txt, or leave ann_file empty to
        use every XML.)

    Objects are read as mmdet's ``XMLDataset`` reads them: ``bbox`` is ``[xmin, ymin, xmax,
    ymax]`` of the ``bndbox``, each made ``int(float(text)) - 1`` (VOC's 1-based pixels);
    ``bbox_label`` is the class's index in ``metainfo['classes']``; ``ignore_flag`` is 1 for a
    ``<difficult>1</difficult>`` object, or one smaller than ``filter_cfg['bbox_min_size']``
    (training only), else 0. A box reaching outside the image is kept as written, as in mmdet:
    the pipeline's resize (mmdet's ``Resize``, whose ``clip_object_border`` is True by default, or
    ``MultiModalResize``) clips it to the image, and ``MultiModalResize`` also drops a box left
    without area. An XML without objects is an image without boxes (``filter_cfg=dict(
    filter_empty_gt=True)`` leaves it out of training). An object whose class is not in
    ``metainfo['classes']`` is an error naming the XML, the object and the class (mmdet's
    ``XMLDataset`` skips it silently); ``ignore_unknown=True`` skips such objects with a warning
    that counts them per class.

    The image size is the XML's ``<size>`` (``width``, ``height``). When it is absent or zero,
    the first modality's image header is read (no pixels are decoded), as mmdet reads the image;
    a file whose header cannot be read is then an error naming the XML.

    Every modality file of every sample is checked when the dataset is built (``check_files``): a
    missing file is reported with the partner that exists, at once and by name.

    Args:
        modality_dirs (dict): ``modality -> folder`` under ``data_root`` (or absolute), in the
            order the modalities are listed in ``modality_paths``.
        suffix (str | dict): File extension appended to the sample id, one for every modality or
            ``modality -> extension``. Defaults to ``'.jpg'`` (as mmdet's ``XMLDataset``).
        pattern (str | dict, optional): File name with one ``{}`` for the sample id, one for
            every modality or ``modality -> pattern``; a modality with a pattern ignores
            ``suffix``.
        ann_dir (str): Folder of the XML files, under ``data_root`` (or absolute). Defaults to
            ``'Annotations'``.
        samples_from (str, optional): A modality name: list the samples from that modality's
            folder instead of from ``ann_dir``, when ``ann_file`` is empty.
        ignore_unknown (bool): Skip objects of classes not in ``metainfo['classes']`` (with a
            warning counting them) instead of raising. Defaults to False.
        check_files (bool): Check that every modality file exists when building. Defaults to
            True.
        **kwargs: ``BaseDetDataset`` arguments: ``ann_file`` (the split list; empty: no list),
            ``data_root``, ``metainfo`` (``classes`` required; ``palette`` optional),
            ``pipeline``, ``filter_cfg`` (``filter_empty_gt``, ``min_size``,
            ``bbox_min_size``), ``test_mode``...

    Each data info holds ``img_id`` and ``sample`` (the id), ``img_path`` (the first modality's
    file), ``modality_paths`` (``modality -> path``), ``xml_path``, ``width``, ``height`` and
    ``instances``.
    """

    # No default classes: every dataset names its own.
    METAINFO: dict = dict()

    def __init__(self,
                 modality_dirs: Dict[str, str],
                 suffix: NameRule = '.jpg',
                 pattern: Optional[NameRule] = None,
                 ann_dir: str = 'Annotations',
                 samples_from: Optional[str] = None,
                 ignore_unknown: bool = False,
                 check_files: bool = True,
                 **kwargs) -> None:
        for name in ('img_subdir', 'ann_subdir'):
            if name in kwargs:
                raise TypeError(f'MultiModalVOCDataset takes no {name}: the image folders are '
                                'modality_dirs and the XML folder is ann_dir')
        self.modality_dirs = dict(modality_dirs or {})
        self.suffix = suffix
        self.pattern = pattern
        self.ann_dir = ann_dir
        self.samples_from = samples_from
        self.ignore_unknown = ignore_unknown
        self.check_files = check_files
        # A bad file-name rule or modality name fails here, before any file is read.
        ModalityFiles(self.modality_dirs, suffix=suffix, pattern=pattern)
        if samples_from is not None and samples_from not in self.modality_dirs:
            raise ValueError(f'samples_from={samples_from!r} is not one of the modalities '
                             f'{list(self.modality_dirs)}')
        super().__init__(ann_subdir=ann_dir, **kwargs)

    @property
    def ann_folder(self) -> str:
        """The folder of the XML files."""
        return osp.join(self.data_root or '', self.ann_dir)

    def list_samples(self, files: ModalityFiles) -> Tuple[List[str], str]:
        """The sample ids, in order, and what listed them (for the messages)."""
        folder = self.ann_folder
        if self.ann_file:
            ids = read_name_list(self.ann_file, suffix='.xml')
            absent = [i for i in ids if not osp.isfile(osp.join(folder, i + '.xml'))]
            if absent:
                raise FileNotFoundError(
                    f'{self.ann_file}: {len(absent)} listed sample(s) have no annotation; first: '
                    f'"{absent[0]}", whose {osp.join(folder, absent[0] + ".xml")} does not exist. '
                    'Check ann_dir and data_root, or remove the sample from the split list.')
            return ids, self.ann_file
        if self.samples_from is not None:
            found = files.scan(self.samples_from)
            source = files.folder(self.samples_from)
            absent = [p for i, p in found.items() if not osp.isfile(osp.join(folder, i + '.xml'))]
            if absent:
                stem = files.sample_id(self.samples_from, osp.basename(absent[0]))
                raise FileNotFoundError(
                    f'{source}: {len(absent)} image(s) have no annotation; first: {absent[0]}, '
                    f'whose {osp.join(folder, stem + ".xml")} does not exist. Check ann_dir, or '
                    'give a split list (ann_file) naming the annotated samples.')
            return list(require_samples(list(found), source, 'check modality_dirs')), source
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder}: annotation folder not found. Check data_root and '
                                    'ann_dir.')
        ids = sorted(n[:-4] for n in os.listdir(folder) if n.endswith('.xml'))
        return list(require_samples(ids, folder, 'check ann_dir')), folder

    def load_data_list(self) -> List[dict]:
        files = ModalityFiles(
            self.modality_dirs, self.data_root or '', suffix=self.suffix, pattern=self.pattern)
        ids, source = self.list_samples(files)
        paths = [files.paths(i) for i in ids]
        if self.check_files:
            problems = files.missing(paths)
            if problems:
                fix = 'Check data_root, modality_dirs and the file-name rule (suffix, pattern)'
                if self.ann_file:
                    fix += ', or leave the sample out of the split list.'
                elif self.samples_from is None:
                    fix += ('; if the annotation folder also holds the XML files of other splits '
                            "(as LLVIP's), list a split's samples from its image folder "
                            "(samples_from='<modality>') or give a split list (ann_file).")
                else:
                    fix += '.'
                raise missing_partner_error(problems, source, fix)
        xml_paths = [osp.join(self.ann_folder, i + '.xml') for i in ids]
        roots = [self.read_xml(p) for p in xml_paths]
        classes = self._metainfo.get('classes')
        if not classes:
            found = Counter((obj.findtext('name') or '').strip() for root in roots
                            for obj in root.findall('object'))
            raise ValueError(
                f'{source}: MultiModalVOCDataset needs the class names; the XML files of its '
                f'{len(roots)} sample(s) name {dict(found)} (objects per class). Give them, in the '
                'label order you want: '
                f'metainfo=dict(classes={tuple(sorted(found))!r})')
        self.cat2label = {name: i for i, name in enumerate(classes)}
        self.unknown: Counter = Counter()
        data_list = []
        for sample, sample_paths, xml_path, root in zip(ids, paths, xml_paths, roots):
            data_info = dict(
                img_path=next(iter(sample_paths.values())),
                img_id=sample,
                sample=sample,
                modality_paths=sample_paths,
                xml_path=xml_path)
            data_info['width'], data_info['height'] = self.image_size(root, xml_path,
                                                                      data_info['img_path'])
            data_info['instances'] = self.parse_objects(root, xml_path)
            data_list.append(data_info)
        if self.unknown:
            print_log(
                f'{source}: skipped {sum(self.unknown.values())} object(s) of classes not in '
                f'metainfo classes {tuple(classes)} (ignore_unknown=True): {dict(self.unknown)}',
                logger='current',
                level=logging.WARNING)
        return data_list

    @staticmethod
    def read_xml(xml_path: str) -> ET.Element:
        """The root element of a VOC XML file; a file that is not XML is an error naming it."""
        try:
            return ET.parse(xml_path).getroot()
        except ET.ParseError as error:
            raise ValueError(f'{xml_path}: not a valid XML file ({error}); is it the right '
                             'file?') from None

    @staticmethod
    def image_size(root: ET.Element, xml_path: str, img_path: str) -> Tuple[int, int]:
        """``(width, height)`` from the XML's ``<size>``, else from ``img_path``'s header."""
        size = root.find('size')
        try:
            width = int(float(size.findtext('width'))) if size is not None else 0
            height = int(float(size.findtext('height'))) if size is not None else 0
        except (TypeError, ValueError):
            raise ValueError(f'{xml_path}: <size> has no numeric <width> and <height>') from None
        if width > 0 and height > 0:
            return width, height
        try:
            with Image.open(img_path) as img:
                return img.size
        except (OSError, ValueError) as error:
            raise ValueError(f'{xml_path}: no <size> (width and height) and the size of '
                             f'{img_path} cannot be read ({error}); add <size> to the XML.') \
                from None

    def parse_objects(self, root: ET.Element, xml_path: str) -> List[dict]:
        """The instances of one XML, as mmdet's ``XMLDataset`` makes them."""
        instances = []
        for index, obj in enumerate(root.findall('object')):
            where = f'{xml_path}: object {index}'
            name = (obj.findtext('name') or '').strip()
            if name not in self.cat2label:
                if self.ignore_unknown:
                    self.unknown[name] += 1
                    continue
                raise ValueError(
                    f'{where} has class {name!r}, which is not in metainfo classes '
                    f'{tuple(self.cat2label)}. Add it to the classes, fix the XML, or set '
                    'ignore_unknown=True to skip such objects.')
            box = obj.find('bndbox')
            try:
                bbox = [int(float(box.findtext(k))) - 1 for k in ('xmin', 'ymin', 'xmax', 'ymax')]
                difficult = int(obj.findtext('difficult') or 0)
            except (AttributeError, TypeError, ValueError):
                raise ValueError(f'{where} ({name!r}) needs a <bndbox> with numeric xmin, ymin, '
                                 'xmax, ymax (and an integer <difficult>, if any)') from None
            ignore = False
            if self.bbox_min_size is not None and not self.test_mode:
                ignore = min(bbox[2] - bbox[0], bbox[3] - bbox[1]) < self.bbox_min_size
            instances.append(
                dict(
                    ignore_flag=int(bool(difficult) or ignore),
                    bbox=bbox,
                    bbox_label=self.cat2label[name]))
        return instances
