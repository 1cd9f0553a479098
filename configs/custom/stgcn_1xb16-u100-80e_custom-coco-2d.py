# ST-GCN (mmaction2's stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-2d
# settings) on one's own 2D COCO-17 keypoints, as written by
#   python tools/data/build_dataset.py VIDEO_ROOT --out data/custom
# Set the class count to the lines of data/custom/label_map.txt
# (--cfg-options model.cls_head.num_classes=N; a mismatch stops the run).
_base_ = '../demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'

model = dict(
    backbone=dict(_delete_=True, type='STGCN',
                  graph_cfg=dict(layout='coco', mode='stgcn_spatial')),
    cls_head=dict(num_classes=2, in_channels=256))

data_root = 'data/custom/'
ann_file = data_root + 'skeleton_coco.pkl'
label_file = data_root + 'label_map.txt'
train_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset='coco', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=100),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset='coco', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=100, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(ann_file=ann_file, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    dataset=dict(ann_file=ann_file, pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=80)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=80,
                        by_epoch=True, convert_to_iter_based=True)]
auto_scale_lr = dict(enable=False, base_batch_size=128)
# fine-tuning (--cfg-options load_from=CKPT): a classifier of another class
# count keeps its init (logged); every other weight must fit
load_partial = ['cls_head.fc.*']
