# A tiny HAAN (10 epochs) on the synthetic feature set (planted segments):
# trains and tests in seconds on CPU. Make the data with
#   python tools/data/make_synthetic.py haan --out data/synthetic/haan
_base_ = './haan_1xb2-200e_finegym-i3d.py'

data_root = 'data/synthetic/haan'
num_fine_classes = 6
tiou_thresholds = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]

model = dict(
    feature_size=32,
    encoded_feature_size=64,
    # make_synthetic.py haan's default hierarchy (fine c -> coarse c % 2);
    # with other --num-coarse-classes use data_root +
    # '/fine_to_coarse_mappings.json'
    fine_to_coarse=[0, 1, 0, 1, 0, 1],
    dropout_rate=0.1,
    num_visual_concepts=16,
    loss=dict(num_top_visual_concepts=3))

dataset = dict(
    ann_dir=data_root,
    features=data_root + '/features.npy',
    num_training_videos=48,
    feature_size=32,
    max_clips_per_video=40)
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(split='train', **dataset))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(split='test', **dataset))
test_dataloader = val_dataloader

val_evaluator = dict(num_classes=num_fine_classes)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=10, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-3))
custom_hooks = [
    dict(type='HAANPseudoLabelHook', interval=5, clustering_sample_rate=0.5),
    dict(type='MetricOutDirHook')
]
default_hooks = dict(logger=dict(interval=5))
