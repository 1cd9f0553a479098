# ProtoGCN, NTU RGB+D 120 X-Set, bone stream.
_base_ = '../_base_/ntu_b.py'

work_dir = './work_dirs/protogcn/ntu120_xset/b'

data_root = 'data/nturgbd/'
ann_file = data_root + 'ntu120_3danno.pkl'
model = dict(cls_head=dict(num_classes=120))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xset_train'))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xset_val'))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xset_val'))
