# ProtoGCN (the FineGYM joint stream, 2D COCO keypoints) on one's own set, as
# written by
#   python tools/data/build_dataset.py VIDEO_ROOT --out data/custom
# Set the class count to the lines of data/custom/label_map.txt
# (--cfg-options model.cls_head.num_classes=N; a mismatch stops the run).
_base_ = '../protogcn/finegym/j.py'

work_dir = None
model = dict(cls_head=dict(num_classes=2))

data_root = 'data/custom/'
ann_file = data_root + 'skeleton_coco.pkl'
label_file = data_root + 'label_map.txt'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))
test_dataloader = dict(dataset=dict(ann_file=ann_file))
# fine-tuning from a released checkpoint (--cfg-options load_from=CKPT): a
# classifier of another class count keeps its init (logged)
load_partial = ['cls_head.fc_cls.*']
