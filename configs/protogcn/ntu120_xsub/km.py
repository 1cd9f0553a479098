# ProtoGCN, NTU RGB+D 120 X-Sub, k-bone motion stream.
_base_ = '../_base_/ntu_km.py'

work_dir = './work_dirs/protogcn/ntu120_xsub/km'

# upstream does not flip this stream on this split (spec 2.3)
train_pipeline = [
    dict(type='PreNormalize3D', align_spine=False, align_shoulder=False),
    dict(type='RandomRot', theta=0.2),
    dict(type='GenSkeFeatExt', dataset='nturgb+d', feats=['km']),
    dict(type='UniformSampleDecode', clip_len=100),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]

data_root = 'data/nturgbd/'
ann_file = data_root + 'ntu120_3danno.pkl'
model = dict(cls_head=dict(num_classes=120))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xsub_train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xsub_val'))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xsub_val'))
