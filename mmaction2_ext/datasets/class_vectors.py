"""Class vectors for the semantic embedding loss (MiGA 2023).

The official ``Vectors.npy`` row c is the mean of the GloVe vectors of the
whitespace-split words of class c's English name (e.g. "touch other face
part" -> mean of 4 vectors). ``mean_word_vectors`` rebuilds it exactly.
"""
import warnings
from typing import List, Sequence

import numpy as np

from ..utils import data_error

UNKNOWN = '<UKN>'


def read_label_names(path: str) -> List[str]:
    """``<index> <name words...>`` lines (english_label.txt) -> names by index."""
    names = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            index, _, name = line.strip().partition(' ')
            if not index.isdigit() or not name.strip():
                raise data_error(path, f'line {lineno}: expected "<index> '
                                 f'<class name>", got {line.strip()!r}')
            names[int(index)] = name.strip()
    if sorted(names) != list(range(len(names))):
        raise data_error(path, 'class indices must be 0..K-1 without gaps')
    return [names[i] for i in range(len(names))]


def mean_word_vectors(names: Sequence[str], words: Sequence[str],
                      vectors: np.ndarray,
                      source: str = '<word vectors>') -> np.ndarray:
    """(K, D) float32: row c = mean of the word vectors of ``names[c]``'s words.

    Words missing from ``words`` take the ``<UKN>`` row, with a warning. A
    class whose words have NaN or inf vectors is refused (``source`` names
    the word-vector file in the error).
    """
    index = {str(w): i for i, w in enumerate(words)}
    table = np.zeros((len(names), vectors.shape[1]), np.float32)
    for c, name in enumerate(names):
        rows = []
        for word in name.split():
            if word not in index:
                if UNKNOWN not in index:
                    raise KeyError(f'word {word!r} of class {c} ({name!r}) is '
                                   'not in the word list, which has no <UKN>')
                warnings.warn(f'word {word!r} of class {c} not in the word '
                              'list: using <UKN>')
            rows.append(vectors[index.get(word, index.get(UNKNOWN))])
        table[c] = np.mean(rows, axis=0)
        if not np.isfinite(table[c]).all():
            raise data_error(source, f'the word vectors of class {c} '
                             f'({name!r}) contain NaN or inf', sample=c)
    return table


def random_class_vectors(num_classes: int, dim: int = 300, norm: float = 4.5,
                         seed: int = 0) -> np.ndarray:
    """(K, D) float32 random directions of a GloVe-like norm (synthetic data)."""
    table = np.random.default_rng(seed).normal(size=(num_classes, dim))
    table *= norm / np.linalg.norm(table, axis=1, keepdims=True)
    return table.astype(np.float32)
