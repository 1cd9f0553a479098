"""Gradient paths through the public ``loss`` of every head and of HAAN:
each loss term, on its own, reaches the parameters upstream trains with it
(non-zero, finite), and never the frozen memories. A term ``.detach()``ed
inside a head, or a dropped weight, fails here."""
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from mmaction2_ext.models.heads import PCANHead
from mmaction2_ext.models.losses import HAANLoss

ACTIONS_TO_BODY = (0, 0, 1, 1, 2, 2)


def samples(labels):
    return [ActionDataSample().set_gt_label(torch.tensor([int(y)]))
            for y in labels]


def term_grads(module, term, extra=()):
    """{name: grad} of one loss term for every trainable parameter (None
    where the term does not reach it), then the grads of ``extra`` tensors."""
    named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
    grads = torch.autograd.grad(term, [p for _, p in named] + list(extra),
                                retain_graph=True, allow_unused=True)
    return dict(zip([n for n, _ in named], grads)), grads[len(named):]


def assert_reaches(grads, prefixes):
    """Every parameter under ``prefixes`` got a non-zero finite gradient."""
    hit = [n for n in grads if n.startswith(tuple(prefixes))]
    assert hit, prefixes
    for name in hit:
        g = grads[name]
        assert g is not None, f'{name}: no gradient'
        assert torch.isfinite(g).all() and g.abs().sum() > 0, name


def assert_misses(grads, prefixes):
    for name in grads:
        if name.startswith(tuple(prefixes)):
            g = grads[name]
            assert g is None or not g.any(), f'{name} should get no gradient'


# --------------------------------------------------------------------- PCAN
# the parameters each term trains (pcan.md 1.3-1.6)
PCAN_TERMS = {
    'rgb_loss_cls': ['fc_rgb.'],
    'pose_loss_cls': ['fc_pose.'],
    'rgb_coarse_loss_cls': ['fc_rgb_coarse.'],
    'pose_coarse_loss_cls': ['fc_pose_coarse.'],
    'rgb_fr_coarse_loss': ['fr_coarse_rgb.spatio_cl_net.cl_fc.'],
    'pose_fr_coarse_loss': ['fr_coarse_pose.spatio_cl_net.cl_fc.'],
    'rgb_fr_loss': ['fr_rgb.spatio_cl_net.cl_fc.'],
    'pose_fr_loss': ['fr_pose.spatio_cl_net.cl_fc.'],
    'hierarchy_rgb_loss': ['fc_rgb.', 'fc_rgb_coarse.'],
    'hierarchy_pose_loss': ['fc_pose.', 'fc_pose_coarse.'],
}


def pcan_setup(seed=0, **kw):
    torch.manual_seed(seed)
    head = PCANHead(num_classes=6, in_channels=(16, 8),
                    action_to_body=ACTIONS_TO_BODY, body_h_channels=4,
                    action_h_channels=4, **kw)
    head.init_weights()
    head.train()
    feats = (torch.randn(4, 16, 2, 3, 3, requires_grad=True),
             torch.randn(4, 8, 3, 3, 3, requires_grad=True))
    return head, feats, samples([0, 2, 3, 5])


def test_pcan_every_term_trains_its_parameters():
    head, feats, data = pcan_setup()
    losses = head.loss(feats, data)
    assert set(PCAN_TERMS) <= set(losses)
    for key, prefixes in PCAN_TERMS.items():
        grads, feat_grads = term_grads(head, losses[key], feats)
        assert_reaches(grads, prefixes)
        # the gradient goes on into the backbone feature of its branch
        branch = feat_grads[0 if 'rgb' in key else 1]
        assert branch is not None and branch.abs().sum() > 0, key
    total = sum(v for k, v in losses.items() if 'loss' in k)
    grads, _ = term_grads(head, total)
    assert_reaches(grads, [p for ps in PCAN_TERMS.values() for p in ps])


def test_pcan_memories_get_no_gradient():
    head, feats, data = pcan_setup()
    losses = head.loss(feats, data)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    for name in ('fr_rgb', 'fr_pose'):  # frozen Parameters (official keys)
        memory = getattr(head, name).spatio_cl_net.avg_f
        assert not memory.requires_grad and memory.grad is None
    for name in ('fr_coarse_rgb', 'fr_coarse_pose'):  # buffers
        assert getattr(head, name).spatio_cl_net.avg_f.grad is None
    trainable = {n for n, p in head.named_parameters() if p.requires_grad}
    assert not any(n.endswith('avg_f') for n in trainable)


def test_pcan_calibration_weight_scales_the_calibration_gradients():
    grads = {}
    for weight in (0.2, 0.4):
        head, feats, data = pcan_setup(calib_weight=weight)
        term = head.loss(feats, data)['rgb_fr_loss']
        grads[weight] = term_grads(head, term)[0][
            'fr_rgb.spatio_cl_net.cl_fc.weight']
    torch.testing.assert_close(grads[0.4], 2 * grads[0.2])


def test_pcan_diversity_grad_flag_changes_the_calibration_gradient():
    """diversity_grad=True adds D's gradient to cl_fc; the default does not.
    D reaches cl_fc through the true positives, so every sample is one."""
    grads = {}
    for flag in (False, True):
        head, feats, _ = pcan_setup(diversity_grad=flag)
        with torch.no_grad():
            head.fc_rgb.bias[0] = head.fc_rgb_coarse.bias[0] = 10.
        loss = head.loss(feats, samples([0, 0, 0, 0]))['rgb_fr_loss']
        grads[flag] = term_grads(head, loss)[0][
            'fr_rgb.spatio_cl_net.cl_fc.weight']
    assert not torch.allclose(grads[False], grads[True])


# ----------------------------------------------------------------- ProtoGCN
def protogcn_setup(weight, seed=0):
    torch.manual_seed(seed)
    head = MODELS.build(dict(type='ProtoGCNHead', num_classes=4,
                             in_channels=8, joint_cfg=9, weight=weight))
    head.init_weights()
    head.train()
    feats = (torch.randn(4, 2, 8, 3, 9, requires_grad=True),
             torch.randn(4, 9, requires_grad=True))
    labels = [ActionDataSample().set_gt_label(int(y)) for y in (0, 1, 2, 3)]
    return head, feats, labels


def protogcn_grads(weight):
    head, feats, data = protogcn_setup(weight)
    losses = head.loss(feats, data)
    return term_grads(head, losses['loss_cls'], feats)


def test_protogcn_csc_term_trains_cl_fc_with_its_weight():
    (g1, (_, graph1)), (g2, _) = protogcn_grads(0.2), protogcn_grads(0.4)
    assert_reaches(g1, ['fc_cls.', 'csc_loss.cl_fc.'])
    torch.testing.assert_close(g2['csc_loss.cl_fc.weight'],
                               2 * g1['csc_loss.cl_fc.weight'])
    # CSC reaches the reconstructed graph (the backbone's PRN) too
    assert graph1 is not None and graph1.abs().sum() > 0


def test_protogcn_csc_sees_detached_logits_only():
    """Spec 1.7: CSC gets ``logits.detach()``; fc_cls's gradient is the CE
    gradient whatever the CSC weight, and weight 0 leaves cl_fc untrained."""
    (g0, (_, graph0)), (g1, _) = protogcn_grads(0.), protogcn_grads(0.3)
    torch.testing.assert_close(g0['fc_cls.weight'], g1['fc_cls.weight'])
    assert_misses(g0, ['csc_loss.'])
    assert graph0 is None or not graph0.any()


# --------------------------------------------------------- embedding head
def emb_grads(weight, dropout=0.):
    torch.manual_seed(0)
    table = torch.randn(4, 5).numpy()
    head = MODELS.build(dict(type='I3DEmbHead', num_classes=4, in_channels=8,
                             class_vectors=table, emb_channels=5,
                             emb_loss_weight=weight, dropout_ratio=dropout))
    head.init_weights()
    head.train()
    x = torch.randn(3, 8, 2, 2, 2, requires_grad=True)
    losses = head.loss(x, [ActionDataSample().set_gt_label(y)
                           for y in (0, 1, 3)])
    return term_grads(head, losses['loss_cls'], [x])[0]


def test_embedding_term_trains_emb_fc_with_its_weight():
    g1, g2, g0 = emb_grads(20.), emb_grads(40.), emb_grads(0.)
    assert_reaches(g1, ['fc_cls.', 'emb_fc.'])
    torch.testing.assert_close(g2['emb_fc.weight'], 2 * g1['emb_fc.weight'])
    # the classifier's gradient is CE's alone
    torch.testing.assert_close(g0['fc_cls.weight'], g1['fc_cls.weight'])
    assert_misses(g0, ['emb_fc.'])


# --------------------------------------------------------------------- HAAN
HAAN_TERMS = {
    'loss_mil': (['encoder.', 'fine_level_classifier.'],
                 ['pseudo_label_classifier.', 'coarse_level_classifier.']),
    'loss_pseudo': (['encoder.', 'pseudo_label_classifier.'],
                    ['fine_level_classifier.', 'coarse_level_classifier.']),
    # prototypes W = out_layer.weight are detached (spec 2.2 step 4)
    'loss_concept': (['encoder.', 'fine_level_classifier.hidden_layer.'],
                     ['fine_level_classifier.out_layer.',
                      'pseudo_label_classifier.', 'coarse_level_classifier.']),
    'loss_coarse': (['encoder.', 'fine_level_classifier.hidden_layer.',
                     'coarse_level_classifier.'],
                    ['fine_level_classifier.out_layer.',
                     'pseudo_label_classifier.']),
}


def haan_setup(seq_lens=(4, 2), seed=0):
    torch.manual_seed(seed)
    model = MODELS.build(dict(
        type='HAAN', feature_size=6, encoded_feature_size=5,
        fine_to_coarse=[0, 0, 1], dropout_rate=0., num_visual_concepts=3,
        loss=dict(num_top_visual_concepts=2)))
    model.train()
    rng = np.random.default_rng(seed)
    names = [f'v{i}' for i in range(len(seq_lens))]
    model.set_pseudo_labels(
        {n: rng.integers(0, 3, t) for n, t in zip(names, seq_lens)},
        torch.tensor([0.5, 1., 2.]))
    b, t = len(seq_lens), max(seq_lens)
    data = dict(seq_lens=torch.tensor(seq_lens), video_names=names,
                fine_labels=torch.tensor([[1., 0, 1], [0, 1, 0]][:b]),
                fine_weights=torch.full((b, 3), 0.7),
                coarse_labels=torch.tensor([[1., 1], [1, 0]][:b]),
                coarse_weights=torch.full((b, 2), 0.6))
    return model, torch.randn(b, t, 6), data


def test_haan_every_term_trains_its_mlps():
    model, x, data = haan_setup()
    losses = model.loss(x, data)
    assert set(losses) == set(HAAN_TERMS)
    for key, (reached, missed) in HAAN_TERMS.items():
        grads, _ = term_grads(model, losses[key])
        assert_reaches(grads, reached)
        assert_misses(grads, missed)
    grads, _ = term_grads(model, sum(losses.values()))
    assert_reaches(grads, [''])


@pytest.mark.parametrize('index', range(4))
def test_haan_lambda_scales_its_term_only(index):
    """lambda_i multiplies term i: doubling it doubles that term's gradient
    and leaves the others unchanged."""
    base = (1., 1e-3, 1e-2, 1e-1)
    doubled = tuple(2 * w if i == index else w for i, w in enumerate(base))
    key = list(HAAN_TERMS)[index]
    out = {}
    for weights in (base, doubled):
        model, x, data = haan_setup()
        model.loss_module.loss_weights = weights
        losses = model.loss(x, data)
        out[weights] = {k: term_grads(model, v)[0]['encoder.hidden_layer.weight']
                        for k, v in losses.items()}
    for k in HAAN_TERMS:
        factor = 2 if k == key else 1
        torch.testing.assert_close(out[doubled][k], factor * out[base][k])


def test_degenerate_one_clip_video_constant_logits():
    """One clip, constant logits, no clip of most concepts: every loss stays
    finite and so do the gradients (a zero visual concept included)."""
    fine = torch.zeros(1, 1, 3, requires_grad=True)
    pseudo = torch.zeros(1, 1, 3, requires_grad=True)
    feats = torch.rand(1, 1, 5, requires_grad=True)
    coarse_w = torch.randn(5, 1, requires_grad=True)
    loss = HAANLoss([0, 0, 1], num_visual_concepts=3,
                    num_top_visual_concepts=2)
    out = loss(feats, fine, pseudo, torch.randn(3, 5),
               torch.ones(1, 1, dtype=torch.bool), torch.tensor([[1]]),
               torch.ones(3), torch.tensor([[1., 0, 0]]), torch.ones(1, 3),
               torch.tensor([[1., 0]]), torch.ones(1, 2),
               lambda reps: reps @ coarse_w)
    for key, value in out.items():
        assert torch.isfinite(value), key
    sum(out.values()).backward()
    for t in (fine, pseudo, feats, coarse_w):
        assert torch.isfinite(t.grad).all()
    # MIL of a constant one-clip video is BCE of that constant (0 here)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.zeros(3), torch.tensor([1., 0, 0]))
    torch.testing.assert_close(out['loss_mil'], expected)


def test_degenerate_video_through_the_model():
    model, _, data = haan_setup(seq_lens=(1, ))
    losses = model.loss(torch.ones(1, 1, 6), data)
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    for name, p in model.named_parameters():
        assert p.grad is None or torch.isfinite(p.grad).all(), name

