"""The clips of a user's own data set, with their classes and splits.

Two inputs, as mmaction2's ``tools/data`` scripts take them:

- class sub-folders ``ROOT/<class name>/<clip>``: classes in sorted name
  order;
- a CSV list ``path,label[,split]`` (paths relative to ROOT, ``label`` a class
  name; an optional ``--label-map`` fixes the classes and their order).

A clip is a video (``.mp4 .avi .mkv .mov .webm``) and/or existing poses
with the same name: ``<clip>.npy`` keypoints, an mmpose ``<clip>.json`` or a
folder ``<clip>/`` of OpenPose frame JSON files. Clip names are the sample
ids of every output file, so they must be unique across classes.
"""
import csv
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..utils import DataError, data_error

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.webm')
POSE_EXTS = ('.npy', '.json')
SPLITS = ('train', 'val', 'test')


@dataclass
class Clip:
    """One sample: ``name`` (unique id), class index and name, split, its
    video (or None) and its existing pose file / folder (or None)."""
    name: str
    label: int
    class_name: str
    split: str
    video: Optional[str] = None
    pose: Optional[str] = None


def _is_openpose_dir(path: str) -> bool:
    return osp.isdir(path) and any(f.endswith('.json')
                                   for f in os.listdir(path))


def _sources(folder: str) -> Dict[str, Dict[str, str]]:
    """{clip name: {'video': path, 'pose': path}} of the entries of a
    folder."""
    found: Dict[str, Dict[str, str]] = {}
    for entry in sorted(os.listdir(folder)):
        path = osp.join(folder, entry)
        stem, ext = osp.splitext(entry)
        if osp.isfile(path) and ext.lower() in VIDEO_EXTS:
            kind = 'video'
        elif osp.isfile(path) and ext.lower() in POSE_EXTS:
            kind = 'pose'
        elif _is_openpose_dir(path):
            stem, kind = entry, 'pose'
        else:
            continue
        if kind in found.get(stem, {}):
            raise data_error(path, f'two {kind} files for clip {stem!r} '
                             f'({osp.basename(found[stem][kind])} too)')
        found.setdefault(stem, {})[kind] = path
    return found


def read_label_map(path: str) -> List[str]:
    from .labels import read_class_names
    if not osp.isfile(path):
        raise FileNotFoundError(f'label map {path} does not exist')
    names = read_class_names(path)
    if len(set(names)) != len(names):
        raise data_error(path, 'a class name appears twice')
    return names


def _check_unique(clips: List[Clip]) -> None:
    seen: Dict[str, Clip] = {}
    for clip in clips:
        other = seen.get(clip.name)
        if other is not None:
            where = [c.video or c.pose for c in (other, clip)]
            raise DataError(f'{where[1]}: clip name {clip.name!r} is also '
                            f'{where[0]} (class {other.class_name!r}); clip '
                            'names are the sample ids, rename one')
        seen[clip.name] = clip


def from_class_folders(root: str, classes: Optional[Sequence[str]] = None
                       ) -> Tuple[List[str], List[Clip]]:
    """Classes (sorted folder names, or ``classes``) and clips of
    ``root/<class>/``. An empty class folder is an error."""
    folders = sorted(d for d in os.listdir(root)
                     if osp.isdir(osp.join(root, d))
                     and not _is_openpose_dir(osp.join(root, d)))
    if not folders:
        raise DataError(f'{root}: no class sub-folders (expected '
                        f'{root}/<class name>/<clip>; or give --list)')
    if classes is None:
        classes = folders
    unknown = sorted(set(folders) - set(classes))
    if unknown:
        raise DataError(f'{osp.join(root, unknown[0])}: class folder '
                        f'{unknown[0]!r} is not in the label map')
    clips = []
    for index, name in enumerate(classes):
        folder = osp.join(root, name)
        found = _sources(folder) if osp.isdir(folder) else {}
        if not found:
            raise DataError(f'{folder}: empty class folder (no video '
                            f'{"/".join(VIDEO_EXTS)} or pose file)')
        clips += [Clip(stem, index, name, '', src.get('video'),
                       src.get('pose')) for stem, src in found.items()]
    _check_unique(clips)
    return list(classes), clips


def from_list(root: str, list_file: str,
              classes: Optional[Sequence[str]] = None
              ) -> Tuple[List[str], List[Clip]]:
    """Classes and clips of a CSV list ``path,label[,split]``. Labels are
    class names; with ``classes`` (a label map) any other label is an
    error, else the classes are the sorted labels."""
    rows = []
    with open(list_file, newline='', encoding='utf-8') as f:
        for line_no, row in enumerate(csv.reader(f), 1):
            row = [c.strip() for c in row]
            if not row or not any(row) or row[0].startswith('#'):
                continue
            if line_no == 1 and row[:2] == ['path', 'label']:
                continue  # header
            if len(row) not in (2, 3):
                raise DataError(f'{list_file}, line {line_no}: expected '
                                f'"path,label[,split]", got {",".join(row)!r}')
            if len(row) == 3 and row[2] not in SPLITS:
                raise DataError(f'{list_file}, line {line_no}: split '
                                f'{row[2]!r} is not one of {SPLITS}')
            rows.append((line_no, *row))
    if not rows:
        raise DataError(f'{list_file}: no clips listed')
    if classes is None:
        classes = sorted({row[2] for row in rows})
    index = {name: i for i, name in enumerate(classes)}
    clips = []
    for line_no, path, label, *split in rows:
        if label not in index:
            raise DataError(f'{list_file}, line {line_no}: label {label!r} '
                            'is not in the label map')
        full = osp.join(root, path)
        stem, ext = osp.splitext(osp.basename(full.rstrip('/')))
        if not osp.exists(full):
            raise FileNotFoundError(f'{list_file}, line {line_no}: '
                                    f'{full} does not exist')
        video = full if ext.lower() in VIDEO_EXTS else None
        pose = None if video else full
        if video is not None:  # poses beside the video are used if present
            pose = next((p for p in (osp.splitext(full)[0] + e for e in
                                     (*POSE_EXTS, '')) if osp.exists(p)
                         and (p.endswith(POSE_EXTS) or _is_openpose_dir(p))),
                        None)
        clips.append(Clip(stem, index[label], label, split[0] if split
                          else '', video, pose))
    _check_unique(clips)
    return list(classes), clips


def assign_splits(clips: List[Clip], val_ratio: float, seed: int) -> None:
    """Give every clip without a split 'train' or 'val': per class, a seeded
    shuffle of the clips in name order puts round(n * val_ratio) in val."""
    by_class: Dict[int, List[Clip]] = {}
    for clip in clips:
        if not clip.split:
            by_class.setdefault(clip.label, []).append(clip)
    for label, members in sorted(by_class.items()):
        members.sort(key=lambda c: c.name)
        order = np.random.default_rng([seed, label]).permutation(len(members))
        num_val = int(round(len(members) * val_ratio))
        for rank, i in enumerate(order):
            members[i].split = 'val' if rank < num_val else 'train'
