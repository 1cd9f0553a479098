"""Class names of the public datasets (package data, one name per line;
origins in SOURCES.md) and of user label files."""
import os.path as osp
import re
from typing import List, Optional

from ...utils import data_error

BUILTIN = ('ntu60', 'ntu120', 'gym99', 'ma52', 'imigue')
# the list a model with this many classes gets when its config names none
BY_NUM_CLASSES = dict(zip((60, 120, 99, 52, 32), BUILTIN))


def read_class_names(path: str) -> List[str]:
    """Names from a label file: ``name`` or ``index<TAB>name`` per line."""
    with open(path, encoding='utf-8') as f:
        lines = [line.strip() for line in f if line.strip()]
    indexed = [re.fullmatch(r'(\d+)\s+(.+)', line) for line in lines]
    if all(indexed) and [int(m.group(1)) for m in indexed] == list(
            range(len(lines))):
        return [m.group(2) for m in indexed]
    return lines


def label_file_path(label_file: str) -> str:
    """A built-in list name (``'ntu60'``...) or a path, as a path."""
    if label_file in BUILTIN:
        return osp.join(osp.dirname(__file__), f'{label_file}.txt')
    return label_file


def class_names(label_file: Optional[str], num_classes: int) -> List[str]:
    """``num_classes`` names from ``label_file`` (a built-in name or a
    path); without one, the built-in list of that size or ``class <i>``."""
    if label_file is None:
        label_file = BY_NUM_CLASSES.get(num_classes)
        if label_file is None:
            return [f'class {i}' for i in range(num_classes)]
    path = label_file_path(label_file)
    if not osp.isfile(path):
        raise FileNotFoundError(f'label file {path} does not exist')
    names = read_class_names(path)
    if len(names) != num_classes:
        raise data_error(path, f'{len(names)} class names, but the model has '
                         f'{num_classes} classes', field='label_file')
    return names
