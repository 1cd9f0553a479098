"""Pseudo-labels (spec 2.3): k-means on a subset, labels for all clips per
video, cluster weights = cluster frequency."""
import numpy as np
import pytest

from mmaction2_ext.engine.hooks import cluster_clips


def test_clusters_split_per_video_and_weights_are_frequencies():
    rng = np.random.default_rng(0)
    centres = np.array([[0., 0.], [10., 0.], [0., 10.]])
    # video a: 4 clips of centre 0, 2 of centre 1; video b: 3 clips of centre 2
    a = np.concatenate([centres[[0] * 4], centres[[1] * 2]])
    b = centres[[2] * 3]
    clips = [a + rng.normal(0, .1, a.shape), b + rng.normal(0, .1, b.shape)]
    np.random.seed(1)
    labels, weights = cluster_clips(['a', 'b'], clips, 3, sample_rate=1.)
    assert labels['a'].shape == (6,) and labels['b'].shape == (3,)
    la, lb = labels['a'], labels['b']
    assert len(set(la[:4])) == len(set(la[4:])) == len(set(lb)) == 1
    assert len({la[0], la[4], lb[0]}) == 3
    expected = np.zeros(3)
    expected[[la[0], la[4], lb[0]]] = [4 / 9, 2 / 9, 3 / 9]
    np.testing.assert_allclose(weights, expected, rtol=1e-6)


def test_too_few_clips_for_the_clusters_is_explained():
    with pytest.raises(ValueError, match='num_visual_concepts=5'):
        cluster_clips(['a'], [np.zeros((8, 2))], 5, sample_rate=.5)
