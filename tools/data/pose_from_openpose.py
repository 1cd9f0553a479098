"""Convert OpenPose JSON folders (or mmpose JSON files) to a pose pickle.

    python tools/data/pose_from_openpose.py JSON_DIR [JSON_DIR ...] \
        --out poses.pkl [--layout ma52|openpose|coco] [--img-shape H W]

Each INPUT is a folder of one video's OpenPose ``*_keypoints.json`` frames
(``--write_json``), or an mmpose prediction ``.json`` (COCO-17 only). The
pickle is a plain list of PYSKL dicts (as MA-52's), ``frame_dir`` = the
folder / file name, label 0; joint mapping in docs/inference.md.
"""
import argparse
import os.path as osp
import pickle
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

#: the keys of ``mmaction2_ext.datasets.pose_import.OPENPOSE_LAYOUTS``
LAYOUTS = ('coco', 'ma52', 'openpose')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('inputs', nargs='+', help='OpenPose JSON folders or '
                        'mmpose .json files, one per video')
    parser.add_argument('--out', required=True, help='pose pickle to write')
    parser.add_argument('--layout', default='ma52',
                        choices=LAYOUTS,
                        help='joints of OpenPose input (default: MA-52 28)')
    parser.add_argument('--max-persons', type=int, help='keep the best '
                        'scored persons per frame (default: all)')
    parser.add_argument('--img-shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='frame size of the videos (pixels)')
    return parser.parse_args(argv)


def convert(path, args):
    from mmaction2_ext.datasets.pose_import import load_mmpose, load_openpose
    from mmaction2_ext.utils import DataError
    if osp.isdir(path):
        anno = load_openpose(path, args.layout, args.max_persons)
    elif osp.isfile(path):
        if args.layout != 'coco':
            raise DataError(f'{path}: mmpose predictions give COCO-17 '
                            'joints only: use --layout coco')
        anno = load_mmpose(path, max_persons=args.max_persons)
    else:
        raise FileNotFoundError(f'input {path} does not exist')
    anno['label'] = 0
    if args.img_shape:
        anno['img_shape'] = anno['original_shape'] = tuple(args.img_shape)
    return anno


def main(args):
    from mmaction2_ext.utils import atomic_write
    annos = []
    for i, path in enumerate(args.inputs, 1):
        annos.append(convert(path, args))
        print(f'[{i}/{len(args.inputs)}] {path}', flush=True)
    with atomic_write(args.out) as f:
        pickle.dump(annos, f)
    print(f'wrote {args.out}: {len(annos)} videos, {args.layout} joints')


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
