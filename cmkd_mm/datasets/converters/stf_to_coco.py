"""Seeing Through Fog (STF / DENSE) 2D labels to COCO json, one file per named split.

Each split ``NAME -> [FILE, ...]`` writes ``OUT_DIR/NAME.json``. The split files (relative to
the data root unless absolute) list ``<recording>,<frame>`` or bare sample names. Image entries
point at ``<frame-dir>/<sample><ext>``, the image whose pixel frame the boxes are in, and carry
``sample`` (the sample name) so other modalities can be found by name.

Layouts (the defaults each sets; every option can still be given):

* ``official`` (the STF release, with the gated slices in ``gated{0,1,2}_10bit``): labels
  ``gt_labels/gated_labels_TMP`` in the 1280x720 gated frame, frame dir ``gated0_10bit``.
  With ``label_dir='gt_labels/cam_left_labels_TMP'`` the labels are in the RGB frame and the
  frame dir becomes ``cam_stereo_left_lut``.
* ``night-subset`` (the night subset packaged with the original CMKD detector code:
  ``images/``, ``gated{0,1,2}/``, ``gated_labels/``, ``train_night.txt``): labels ``gated_labels``
  in the 1280x720 gated frame, rescaled to the ``images/`` size (``label_frame_size=(1280, 720)``).

Boxes are clipped to the image (counted as ``clipped box``); inverted boxes (``x1 > x2`` or
``y1 > y2``) and boxes with no width or height left are dropped, counted by reason with the first
label files and lines of each. ``DontCare`` / ``Don't care region`` become ignore
regions (``iscrowd=1``). Every skipped sample or object is counted and reported.
``tools/dataset_converters/stf_to_coco.py`` is the command line.
"""
import json
import os
import os.path as osp
from collections import Counter
from types import SimpleNamespace
from typing import Dict, List, Optional, Sequence, Tuple

from PIL import Image
from tqdm import tqdm

from ...utils.deprecation import deprecated_value
from ..stf_format import (CLASS_MAPS, IGNORE_CLASSES, STF_KNOWN_CLASSES, map_categories,
                          parse_label_file, read_split)

LAYOUTS = {
    'official':
    dict(
        label_dir='gt_labels/gated_labels_TMP',
        frame_dir='gated0_10bit',
        check_dirs=['cam_stereo_left_lut', 'gated0_10bit', 'gated1_10bit', 'gated2_10bit'],
        label_frame_size=None),
    'night-subset':
    dict(
        label_dir='gated_labels',
        frame_dir='images',
        check_dirs=['images', 'gated0', 'gated1', 'gated2'],
        label_frame_size=(1280, 720))
}
#: Deprecated names of a ``layout`` and of a ``classes`` map -> the current ones.
LAYOUT_ALIASES = dict(seed='night-subset')
CLASSES_ALIASES = dict(seed='pedestrian')
RGB_LABEL_DIR, RGB_FRAME_DIR = 'cam_left_labels_TMP', 'cam_stereo_left_lut'


def stf_options(data_root: str,
                layout: str = 'official',
                classes: str = 'pedestrian',
                label_dir: Optional[str] = None,
                frame_dir: Optional[str] = None,
                label_frame_size: Optional[Sequence[int]] = None,
                check_dirs: Optional[Sequence[str]] = None,
                ext: str = '.png',
                on_missing: str = 'error',
                on_unknown: str = 'error',
                num_columns: int = 27,
                out_dir: Optional[str] = None) -> SimpleNamespace:
    """The conversion options with the layout's defaults filled in.

    Args:
        data_root (str): Dataset root folder.
        layout (str): ``'official'`` or ``'night-subset'``; sets the defaults below
            (``'seed'``: deprecated name of ``'night-subset'``).
        classes (str): Class map, ``'pedestrian'`` (pedestrian only, as the original CMKD
            detector code) or ``'full'`` (4 STF classes) (``'seed'``: deprecated name of
            ``'pedestrian'``).
        label_dir (str, optional): Label folder; default: the layout's (RGB-frame labels
            ``gt_labels/cam_left_labels_TMP`` switch the frame dir to ``cam_stereo_left_lut``).
        frame_dir (str, optional): Folder of the images whose pixel frame the boxes are in.
        label_frame_size (Sequence[int], optional): ``(W, H)`` the labels were drawn in; boxes
            are scaled by ``(image_w / W, image_h / H)``.
        check_dirs (Sequence[str], optional): Folders that must hold ``<sample><ext>`` for
            every sample (the frame dir is always checked); ``[]`` checks no other.
        ext (str): Image file extension.
        on_missing (str): ``'error'`` or ``'skip'`` a sample with a missing file.
        on_unknown (str): ``'error'`` or ``'skip'`` an object of an unknown class.
        num_columns (int): Columns of a label line with a one-word class.
        out_dir (str, optional): Output folder; default ``<data_root>/annotations``.

    Returns:
        SimpleNamespace: The resolved options.
    """
    layout = deprecated_value(layout, LAYOUT_ALIASES, 'stf_options(layout)')
    classes = deprecated_value(classes, CLASSES_ALIASES, 'stf_options(classes)')
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {sorted(LAYOUTS)}, got {layout!r}')
    defaults = LAYOUTS[layout]
    label_dir = label_dir or defaults['label_dir']
    if frame_dir is None:
        rgb_labels = osp.basename(osp.normpath(label_dir)) == RGB_LABEL_DIR
        frame_dir = RGB_FRAME_DIR if rgb_labels else defaults['frame_dir']
    if check_dirs is None:
        check_dirs = defaults['check_dirs']
    if label_frame_size is None and defaults['label_frame_size'] is not None:
        label_frame_size = defaults['label_frame_size']
    if label_frame_size is not None:
        label_frame_size = list(label_frame_size)
        if len(label_frame_size) != 2 or min(label_frame_size) <= 0:
            raise ValueError(f'label_frame_size needs two positive numbers W H, got '
                             f'{label_frame_size}')
    return SimpleNamespace(
        data_root=data_root,
        layout=layout,
        classes=classes,
        label_dir=label_dir,
        frame_dir=frame_dir,
        label_frame_size=label_frame_size,
        check_dirs=list(check_dirs),
        ext=ext,
        on_missing=on_missing,
        on_unknown=on_unknown,
        num_columns=num_columns,
        out_dir=out_dir or osp.join(data_root, 'annotations'))


def _clip_box(box: List[float], width: int, height: int) -> Tuple[List[float], bool]:
    """Clip ``x1 y1 x2 y2`` to the image; also tell whether anything changed."""
    x1, y1, x2, y2 = box
    clipped = [
        min(max(x1, 0.0), width),
        min(max(y1, 0.0), height),
        min(max(x2, 0.0), width),
        min(max(y2, 0.0), height)
    ]
    return clipped, clipped != [x1, y1, x2, y2]


def convert_split(args: SimpleNamespace, name: str, split_files: List[str]) -> dict:
    """Build the COCO dict of one named split.

    Args:
        args (SimpleNamespace): Options resolved by :func:`stf_options`.
        name (str): Split name.
        split_files (list[str]): Split files (relative to ``args.data_root`` or absolute).
    """
    class_map = CLASS_MAPS[args.classes]
    categories = map_categories(class_map)
    cat_ids = {c: i + 1 for i, c in enumerate(categories)}
    root = args.data_root

    samples, skipped_samples = {}, Counter()  # sample -> the split file listing it
    for split_file in split_files:
        path = split_file if osp.isabs(split_file) else osp.join(root, split_file)
        for sample in read_split(path):
            if sample in samples:
                skipped_samples['listed twice'] += 1
            else:
                samples[sample] = path

    images, annotations = [], []
    skipped_objects, clipped = Counter(), 0
    skipped_where = {}  # reason -> the first label file:line of it
    # The bar shows on a terminal only (disable=None), the summary is printed at the end.
    for sample, split_path in tqdm(
            samples.items(), desc=name, total=len(samples), unit='sample', disable=None):
        label_path = osp.join(root, args.label_dir, sample + '.txt')
        needed = [(args.label_dir, label_path)]
        for folder in dict.fromkeys([args.frame_dir] + list(args.check_dirs)):
            needed.append((folder, osp.join(root, folder, sample + args.ext)))
        missing = [(folder, path) for folder, path in needed if not osp.isfile(path)]
        if missing:
            if args.on_missing == 'skip':
                folder = missing[0][0]  # counted once, under its first missing file
                reason = 'label' if folder == args.label_dir else folder
                skipped_samples[f'missing {reason} file'] += 1
                continue
            raise FileNotFoundError(
                f'sample {sample} (listed in {split_path}): missing '
                f'{", ".join(p for _, p in missing)}. Fix the split file or data root, or drop '
                'such samples with --on-missing skip')

        frame_path = osp.join(root, args.frame_dir, sample + args.ext)
        with Image.open(frame_path) as img:
            width, height = img.size
        image_id = len(images) + 1
        images.append(
            dict(
                id=image_id,
                file_name=osp.join(args.frame_dir, sample + args.ext),
                width=width,
                height=height,
                sample=sample))
        sx = sy = 1.0
        if args.label_frame_size is not None:
            sx, sy = width / args.label_frame_size[0], height / args.label_frame_size[1]

        objects, skipped = parse_label_file(label_path, class_map, args.num_columns,
                                            args.on_unknown, IGNORE_CLASSES, STF_KNOWN_CLASSES)
        skipped_objects.update(skipped)
        for obj in objects:
            x1, y1, x2, y2 = obj['bbox']
            box, was_clipped = _clip_box([x1 * sx, y1 * sy, x2 * sx, y2 * sy], width, height)
            w, h = box[2] - box[0], box[3] - box[1]
            reason = None
            if x1 > x2 or y1 > y2:
                reason = 'inverted box (x1 > x2 or y1 > y2)'
            elif w <= 0 or h <= 0:
                reason = 'degenerate box'
            if reason:
                skipped_objects[reason] += 1
                examples = skipped_where.setdefault(reason, [])
                if len(examples) < 3:
                    examples.append(f'{label_path}:{obj["line"]}')
                continue
            clipped += was_clipped
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=image_id,
                    category_id=1 if obj['ignore'] else cat_ids[obj['name']],
                    bbox=[box[0], box[1], w, h],
                    area=w * h,
                    iscrowd=int(obj['ignore'])))

    info = dict(
        description=f'Seeing Through Fog, split {name}',
        split_files=split_files,
        layout=args.layout,
        label_dir=args.label_dir,
        frame_dir=args.frame_dir,
        label_frame_size=args.label_frame_size,
        check_dirs=list(args.check_dirs),
        classes=args.classes,
        class_map=class_map,
        ignore_classes=list(IGNORE_CLASSES),
        skipped_samples=dict(skipped_samples),
        skipped_objects=dict(skipped_objects),
        skipped_where=skipped_where,
        clipped_boxes=clipped)
    return dict(
        info=info,
        images=images,
        annotations=annotations,
        categories=[dict(id=i, name=c) for c, i in cat_ids.items()])


def summary(name: str, coco: dict) -> str:
    """Counts of one converted split, with every skip and clip and its reason."""
    info = coco['info']
    names = {c['id']: c['name'] for c in coco['categories']}
    per_cat = Counter(names[a['category_id']] for a in coco['annotations'] if not a['iscrowd'])
    lines = [
        f'{name}: {len(coco["images"])} images, '
        f'{sum(per_cat.values())} annotations '
        f'({", ".join(f"{c}: {per_cat[c]}" for c in names.values())}), '
        f'{sum(a["iscrowd"] for a in coco["annotations"])} ignore regions'
    ]
    for reason, count in sorted(info['skipped_samples'].items()):
        lines.append(f'  skipped sample(s): {reason}: {count}')
    for reason, count in sorted(info['skipped_objects'].items()):
        where = info.get('skipped_where', {}).get(reason)
        lines.append(f'  skipped object(s): {reason}: {count}' +
                     (f' (first: {", ".join(where)})' if where else ''))
    if info['clipped_boxes']:
        lines.append(f'  clipped box (kept, clipped to the image): {info["clipped_boxes"]}')
    return '\n'.join(lines)


def convert_stf_to_coco(splits: Dict[str, List[str]], verbose: bool = True, **options) -> List[str]:
    """Convert every named split to ``<out_dir>/<name>.json``.

    Args:
        splits (dict[str, list[str]]): Split name -> split files.
        verbose (bool): Print the counts of every split. Defaults to True.
        **options: :func:`stf_options` arguments (``data_root`` at least).

    Returns:
        list[str]: The json files written, in the order of ``splits``.
    """
    args = stf_options(**options)
    os.makedirs(args.out_dir, exist_ok=True)
    outputs, reports = [], []
    for name, split_files in splits.items():
        coco = convert_split(args, name, list(split_files))
        out = osp.join(args.out_dir, f'{name}.json')
        with open(out, 'w') as f:
            json.dump(coco, f)
        outputs.append(out)
        reports.append(summary(name, coco) + f'\n  -> {out}')
    if verbose:
        print('\n' + '\n'.join(reports))
    return outputs
