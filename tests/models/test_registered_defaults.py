"""Registered modules built with their defaults carry the spec's values, so
a config that leaves a weight out gets upstream's. Expected values are the
spec's (file and section in each comment), not read from the code."""
from mmaction.registry import HOOKS, MODELS

from mmaction2_ext.models.losses import ClassSpecificContrastiveLoss


def test_pcan_head_defaults():
    head = MODELS.build(dict(type='PCANHead'))
    # pcan.md 1.3 / 1.6: calibration losses / 5; +5·cos RGB, +1·cos pose
    assert head.calib_weight == 1 / 5
    assert head.rectify_weights == (5., 1.)
    assert head.num_classes == 52 and head.num_body == 7
    for name, width, classes in (('fr_coarse_rgb', 128, 7),
                                 ('fr_coarse_pose', 128, 7),
                                 ('fr_rgb', 256, 52), ('fr_pose', 256, 52)):
        net = getattr(head, name).spatio_cl_net
        # pcan.md 1.3: alp=0.125, tmp=0.125, mom=0.9
        assert (net.alp, net.tmp, net.mom) == (0.125, 0.125, 0.9), name
        assert tuple(net.avg_f.shape) == (width, classes), name
    # pcan.md 1.5 step 9: logits scaled 1.0 (FN1), 0.1 (FN2), 0.5 (FN3)
    for name in ('fr_rgb', 'fr_pose'):
        assert getattr(head, name).spatio_cl_net.fn_scales == (1.0, 0.1, 0.5)
    # upstream behaviour by default: no diversity gradient, avg-pool query
    assert not head.fr_rgb.spatio_cl_net.diversity_grad
    assert head.rectify_pool == 'avg'


def test_protogcn_head_and_csc_defaults():
    head = MODELS.build(dict(type='ProtoGCNHead', num_classes=60,
                             in_channels=384))
    # protogcn.md 1.7: dropout 0, init_std 0.01, prob clip averaging
    assert head.dropout is None and head.init_std == 0.01
    assert head.average_clips == 'prob'
    # protogcn.md 1.8: h_channel 256, tmp 0.125, mom 0.9, threshold 0
    csc = ClassSpecificContrastiveLoss(n_class=60)
    assert (csc.tmp, csc.mom, csc.pred_threshold) == (0.125, 0.9, 0.0)
    assert tuple(csc.avg_f.shape) == (256, 60)
    assert csc.cl_fc.in_features == 625  # nturgb+d: 25 x 25
    assert head.csc_loss.cl_fc.in_features == 625


def test_embedding_head_defaults():
    head = MODELS.build(dict(type='I3DEmbHead', num_classes=32,
                             in_channels=512))
    # miga.md: "emb20" is the loss weight 20; GloVe 300-d; init_std 0.01
    assert head.emb_loss_weight == 20.
    assert head.emb_fc.out_features == 300
    assert head.init_std == 0.01


def test_haan_defaults():
    model = MODELS.build(dict(type='HAAN', feature_size=8,
                              encoded_feature_size=4,
                              fine_to_coarse=[0, 1]))
    loss = model.loss_module
    # haan.md table (FineGym column): lambdas 1 / 0.001 / 0.01 / 0.1,
    # 500 visual concepts, top-5 concepts, mean pooling, dropout 0.5
    assert loss.loss_weights == (1., 0.001, 0.01, 0.1)
    assert loss.num_visual_concepts == 500 and loss.top_k == 5
    assert loss.pooling == 'mean'
    assert model.num_visual_concepts == 500
    assert model.encoder.dropout.p == 0.5
    # haan.md 4: FineGym alpha 0.1, kmax_mod_factor 2
    assert model.test_cfg == dict(alpha=0.1, kmax_mod_factor=2)


def test_haan_pseudo_label_hook_defaults():
    hook = HOOKS.build(dict(type='HAANPseudoLabelHook'))
    # haan.md 2.3: every 5 epochs, 10% of the clips, KMeans random_state 0,
    # n_init 10 (scikit-learn 0.24's default)
    assert (hook.interval, hook.sample_rate, hook.seed, hook.n_init) == \
        (5, 0.1, 0, 10)
