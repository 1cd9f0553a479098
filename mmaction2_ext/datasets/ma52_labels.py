"""MA-52 label hierarchy: 52 actions in 7 body parts (contiguous id ranges).

Body ids and the MA-52 letters: 0 A body, 1 B head, 2 C upper limb,
3 D lower limb, 4 E body-hand, 5 F head-hand, 6 G leg-hand.
"""
import numpy as np

MA52_BODY_SIZES = (5, 6, 13, 8, 6, 10, 4)
MA52_BODY_NAMES = ('A body', 'B head', 'C upper limb', 'D lower limb',
                   'E body-hand', 'F head-hand', 'G leg-hand')
MA52_NUM_ACTIONS = sum(MA52_BODY_SIZES)
MA52_NUM_BODIES = len(MA52_BODY_SIZES)
MA52_ACTION_TO_BODY = tuple(
    b for b, size in enumerate(MA52_BODY_SIZES) for _ in range(size))


def action_to_body(labels) -> np.ndarray:
    """Body ids of MA-52 action ids (array-like of ints in [0, 52))."""
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= MA52_NUM_ACTIONS):
        raise ValueError(f'MA-52 action ids must be in [0, {MA52_NUM_ACTIONS})')
    return np.asarray(MA52_ACTION_TO_BODY, dtype=np.int64)[labels]
