# ProtoGCN, NTU RGB+D 60 X-View, joint motion stream.
_base_ = '../_base_/ntu_jm.py'

work_dir = './work_dirs/protogcn/ntu60_xview/jm'

data_root = 'data/nturgbd/'
ann_file = data_root + 'ntu60_3danno.pkl'
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xview_train'))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xview_val'))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xview_val'))
