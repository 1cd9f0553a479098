# HAAN on FineAction from the competition "i3d_100" features (100 clips per
# video), hyperparameters of the official config/fine_action.toml.
_base_ = './haan_1xb2-200e_finegym-i3d.py'

data_root = 'data/haan/FineAction'
num_fine_classes = 106
tiou_thresholds = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
report_thresholds = [0.5, 0.75, 0.95]

model = dict(
    feature_size=4096,
    encoded_feature_size=1024,
    # the official hierarchy shipped with the package; a path to another
    # fine_to_coarse_mappings.json works too
    fine_to_coarse='fineaction',
    dropout_rate=0.3,
    loss=dict(loss_weights=(1., 0.001, 0.01, 1.),
              fine_to_coarse_pooling='max'),
    test_cfg=dict(alpha=-0.8, kmax_mod_factor=4))

dataset = dict(
    ann_dir=data_root,
    features=data_root + '/FineAction_i3d_100.npy',
    num_training_videos=8440,
    feature_size=4096,
    max_clips_per_video=100)
train_dataloader = dict(dataset=dict(split='train', **dataset))
val_dataloader = dict(dataset=dict(split='test', **dataset))
test_dataloader = val_dataloader

val_evaluator = dict(
    num_classes=num_fine_classes,
    tiou_thresholds=tiou_thresholds,
    report_thresholds=report_thresholds)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=50)
custom_hooks = [
    dict(type='HAANPseudoLabelHook', interval=5, clustering_sample_rate=0.03),
    dict(type='MetricOutDirHook')
]
