# PCAN (RGB + pose, MA-52 schedule) on one's own videos, as written by
#   python tools/data/build_dataset.py VIDEO_ROOT --out data/custom
# (--layout ma52: 28 keypoints, the videos in raw_videos/). One's own
# classes have no body-part hierarchy: each action is its own body group
# (action_to_body='identity'), so the body branch scores the actions too.
# Set the class count to the lines of data/custom/label_map.txt
# (--cfg-options model.cls_head.num_classes=N; a mismatch stops the run).
# Testing uses the val split (the builder writes a test split only when the
# list gives one).
_base_ = ['../pcan/pcan_rgbpose_ma52.py']

model = dict(cls_head=dict(num_classes=2, action_to_body='identity'))

data_root = 'data/custom/'
label_file = data_root + 'label_map.txt'
ann_root = data_root + 'MA-52_openpose_28kp/'
# num_classes=None: labels are checked against the model head instead
dataset = dict(data_prefix=dict(video=data_root + 'raw_videos/'),
               action_to_body='identity', num_classes=None)
train_dataloader = dict(dataset=dict(ann_file=ann_root + 'MA52_train.pkl',
                                     **dataset))
val_dataloader = dict(dataset=dict(ann_file=ann_root + 'MA52_val.pkl',
                                   **dataset))
test_dataloader = dict(dataset=dict(
    ann_file=ann_root + 'MA52_val.pkl', list_file=None, labels_hidden=False,
    **dataset))
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
# AccMetric scores each stream and their fusion: keep the best by the first
default_hooks = dict(checkpoint=dict(save_best='auto'))

# From the merged RGB+Pose init (as PCAN on MA-52) or a released PCAN
# checkpoint (--cfg-options load_from=CKPT): the classifiers of another class
# count keep their init, and the log lists them.
load_partial = [
    'backbone.featuredifference*', 'backbone.*_lateral.*', 'cls_head.fr_*',
    'cls_head.fc_*'
]
