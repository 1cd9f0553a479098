# ProtoGCN, Kinetics-400 skeleton (HRNet 2D), joint stream (spec: configs/protogcn/k400/j.py):
# the FineGYM joint config (COCO-17 -> coco_new) with K400's data, batch
# and learning rate. The other streams inherit this file.
# Skeletons: k400_hrnet.pkl plus the per-video kpfiles (no memcached;
# see configs/protogcn/README.md for the data layout).
_base_ = '../finegym/j.py'

work_dir = './work_dirs/protogcn/k400/j'

model = dict(cls_head=dict(num_classes=400))

data_root = 'data/k400/'
ann_file = data_root + 'k400_hrnet.pkl'
train_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='UniformSampleFrames', clip_len=100),
    dict(type='PoseDecode'),
    dict(type='Flip', flip_ratio=0.5, left_kp=[1, 3, 5, 7, 9, 11, 13, 15],
         right_kp=[2, 4, 6, 8, 10, 12, 14, 16]),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeatExt', dataset='coco_new', feats=['j']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='UniformSampleFrames', clip_len=100, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeatExt', dataset='coco_new', feats=['j']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='UniformSampleFrames', clip_len=100, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeatExt', dataset='coco_new', feats=['j']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]

# box_thr / valid_ratio: stock PoseDataset's box-score filter (K400 entries)
train_dataloader = dict(batch_size=64, num_workers=16, dataset=dict(
    ann_file=ann_file, pipeline=train_pipeline, box_thr=0.5, valid_ratio=0.0))
val_dataloader = dict(batch_size=64, num_workers=16, dataset=dict(
    ann_file=ann_file, pipeline=val_pipeline, box_thr=0.5, valid_ratio=0.0))
test_dataloader = dict(num_workers=16, dataset=dict(
    ann_file=ann_file, pipeline=test_pipeline, box_thr=0.5, valid_ratio=0.0))

# lr = 0.1 x total_batch / 64 (upstream reference: 4 GPUs x 16, lr 0.1)
optim_wrapper = dict(optimizer=dict(lr=0.1))
