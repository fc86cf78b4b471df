"""Reading a classification pair's data folder (``PairedImageFolder``): class folders in each
modality folder (optionally in split folders), the files of a sample paired by name, and the chip
size of each modality."""
import os.path as osp

from .errors import ScaffoldError
from .folder_layout import SPLIT_NAMES, check_pairs, subfolders
from .pair_reader import PairData, PairOptions, PairReader, join_folder


def inspect_cls(opts: PairOptions) -> PairData:
    """A classification pair: class folders per modality (optionally per split)."""
    r = PairReader(opts)
    root, first = r.root, r.names[0]
    layouts = {}
    for name, folder in r.folders.items():
        subs = subfolders(osp.join(root, folder))
        if not subs:
            raise ScaffoldError(
                f'no labels found: {osp.join(root, folder)} (modality "{name}") has no class '
                'folders. Classification reads <DATA_ROOT>/<modality>/<class>/<file> (or '
                '<modality>/<split>/<class>/<file>).')
        split_names = [s for s in subs if s.lower() in SPLIT_NAMES]
        layouts[name] = ({
            SPLIT_NAMES[s.lower()]: s
            for s in split_names
        } if len(split_names) == len(subs) else {})
    if len({tuple(sorted(v)) for v in layouts.values()}) > 1:
        raise ScaffoldError('the modality folders are split differently: ' +
                            ', '.join(f'{r.folders[n]}/: {sorted(v) or "class folders"}'
                                      for n, v in layouts.items()))
    dirs_of = r.dirs_of_splits(layouts[first])
    classes_of = {}
    for split, dirs in dirs_of.items():
        found = {n: subfolders(osp.join(root, d)) for n, d in dirs.items()}
        ref = found[first]
        for name, folders in found.items():
            if folders != ref:
                only = sorted(set(folders) ^ set(ref))
                raise ScaffoldError(
                    f'class folders differ between the modalities: {osp.join(root, dirs[first])} '
                    f'has {ref}, {osp.join(root, dirs[name])} has {folders} ({only} in one '
                    'only). Give every modality the same class folders.')
        classes_of[split] = ref
    rules = r.rules({
        n: [join_folder(d[n], c) for s, d in dirs_of.items() for c in classes_of[s]]
        for n in r.names
    })
    splits = r.splits([s for s in dirs_of if s != 'all'], ' in the modality folders')
    classes = r.classes_in_order(classes_of[splits['train']],
                                 f'the class folders of {dirs_of[splits["train"]][first]}/')
    datasets, samples, paths_of = {}, {}, {}
    for split in sorted(set(splits.values())):
        extra = [c for c in classes_of[split] if c not in classes]
        if extra:
            raise ScaffoldError(f'{osp.join(root, dirs_of[split][first])}: class folders {extra} '
                                f'are not training classes ({classes}).')
        files = r.files(dirs_of[split])
        count = 0
        for cls in classes_of[split]:
            ids = check_pairs(files, cls, f'the {split} split, class {cls}')
            count += len(ids)
            if split == splits['train']:
                paths_of.update({(cls, i): files.paths(i, cls) for i in ids})
        samples[split] = count
        datasets[split] = dict(modality_dirs=dirs_of[split], **rules)
    r.found.append(f'labels: class folders {classes}')
    formats = r.formats([paths_of[k] for k in sorted(paths_of)])
    specs, _ = r.specs(formats, registered=False)
    chip_size = {}
    for name in r.names:
        sizes = sorted({f.size for f in formats[name]})
        if name in opts.chip_size:
            side = opts.chip_size[name]
            chip_size[name] = (side, side)
        elif len(sizes) == 1:
            chip_size[name] = sizes[0]
            r.notes.append(f'{name} chips resized to {sizes[0][0]}x{sizes[0][1]}, the size of its '
                           f'files (--chip-size {name}=SIDE sets another)')
        else:
            listed = ', '.join(f'{w}x{h}' for w, h in sizes)
            raise ScaffoldError(
                f'modality "{name}": its chips differ in size ({listed}); a batch needs one '
                f'size. Give it: --chip-size {name}=SIDE (e.g. {max(min(s) for s in sizes)}).')
    return PairData(
        'cls',
        'PairedImageFolder',
        specs,
        classes,
        splits,
        datasets,
        same_size=False,
        chip_size=chip_size,
        samples=samples,
        found=r.found,
        notes=r.notes)
