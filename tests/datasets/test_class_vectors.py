"""Class vectors: the mean-word-vector rule rebuilds the official Vectors.npy."""
import os.path as osp
import sys

import numpy as np
import pytest

from mmaction2_ext.datasets.class_vectors import (mean_word_vectors,
                                                  random_class_vectors,
                                                  read_label_names)
from mmaction2_ext.utils import DataError
from helpers import warm_python


def test_rebuilds_official_vectors_exactly(upstream_dir, tmp_path, repo_root,
                                           tool_env):
    glove = osp.join(upstream_dir, 'miga', 'tools', 'glove')
    names = read_label_names(osp.join(glove, 'english_label.txt'))
    assert len(names) == 32 and names[7] == 'touch other face part'
    official = np.load(osp.join(glove, 'Vectors.npy'))
    words = np.load(osp.join(glove, 'wordList.npy'))
    vectors = np.load(osp.join(glove, 'wordVector.npy'))
    table = mean_word_vectors(names, words, vectors)
    np.testing.assert_array_equal(table, official)
    # class 7 by hand: mean of its four word rows
    rows = [vectors[list(words).index(w)] for w in names[7].split()]
    np.testing.assert_allclose(official[7], sum(rows) / 4, rtol=1e-6)
    out = tmp_path / 'Vectors.npy'
    proc = warm_python.run(
        [sys.executable, osp.join(repo_root, 'tools/data/imigue/'
                                  'class_vectors.py'), 'glove', '--labels',
         osp.join(glove, 'english_label.txt'), '--word-list',
         osp.join(glove, 'wordList.npy'), '--word-vectors',
         osp.join(glove, 'wordVector.npy'), '--out', str(out)],
        env=tool_env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(np.load(out), official)


def test_unknown_word_uses_ukn_row():
    words = ['<PAD>', '<UKN>', 'rub']
    vectors = np.array([[0., 0.], [0., 0.], [2., 4.]], np.float32)
    with pytest.warns(UserWarning, match="'eyez'"):
        table = mean_word_vectors(['rub eyez'], words, vectors)
    np.testing.assert_array_equal(table, [[1., 2.]])


def test_bad_label_file(tmp_path):
    path = tmp_path / 'labels.txt'
    path.write_text('0 touch hat\n2 rub eyes\n')
    with pytest.raises(DataError, match='without gaps'):
        read_label_names(str(path))


def test_random_vectors():
    table = random_class_vectors(5, 300, norm=4.5, seed=1)
    assert table.shape == (5, 300) and table.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(table, axis=1), 4.5, rtol=1e-5)
    assert not np.allclose(table, random_class_vectors(5, 300, seed=2))
