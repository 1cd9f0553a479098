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


def body_groups(spec, num_classes: int) -> tuple:
    """The body id of every action: ``None`` -> MA-52's table, ``'identity'``
    -> each action its own group (a set without a body hierarchy, e.g. one's
    own classes), or an explicit sequence."""
    if spec is None:
        return MA52_ACTION_TO_BODY
    if spec == 'identity':
        return tuple(range(num_classes))
    if isinstance(spec, str):
        raise ValueError(f"action_to_body {spec!r}: expected None, "
                         "'identity' or a list of body ids")
    return tuple(int(b) for b in spec)
