# PoseC3D + the skeletal-semantic embedding loss (MiGA: CE + 20 * MSE to the
# class-name word vectors) on one's own 2D COCO-17 keypoints. Needs the class
# vectors, one row per line of label_map.txt, e.g. from GloVe:
#   python tools/data/imigue/class_vectors.py glove \
#       --labels data/custom/label_map.txt --word-list wordList.npy \
#       --word-vectors wordVector.npy --out data/custom/class_vectors.npy
# Without a word-vector file use slowonly_r50_1xb16-u48-100e_custom-coco-
# keypoint.py (the plain classifier).
_base_ = './slowonly_r50_1xb16-u48-100e_custom-coco-keypoint.py'

model = dict(
    cls_head=dict(_delete_=True, type='I3DEmbHead', in_channels=512,
                  num_classes=2, dropout_ratio=0.5,
                  class_vectors='data/custom/class_vectors.npy',
                  emb_channels=300, emb_loss_weight=20.0,
                  average_clips='prob'))
