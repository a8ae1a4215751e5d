"""Child process of tests/training/test_multi_worker.py: one worker of a 2-worker run of
`tfxlearn.training.train` (TF_CONFIG from the parent), resumable.

    python multi_worker_train.py RUN_DIR OUT_PREFIX [KILL_WORKER_1_AT_EPOCH]

Saves the final weights and losses to OUT_PREFIX-<task>.npz. With a kill epoch,
worker 1 SIGKILLs itself when that epoch (1-based) begins, as a lost machine would.
"""

import os
import signal
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfxlearn  # noqa: E402
from tfxlearn.training import EpochOrder, multi_worker, train  # noqa: E402

run_dir, out = sys.argv[1], sys.argv[2]
kill_epoch = int(sys.argv[3]) if len(sys.argv) > 3 else 0
tf.get_logger().setLevel("WARNING")
strategy = multi_worker.multi_worker_strategy(timeout_seconds=60)
task = strategy.cluster_resolver.task_id

order = EpochOrder(seed=1)
ds = tfxlearn.data.load("digits", "train").take(128)
ds = tfxlearn.pretext.rotation(order.shuffle(ds, 128).batch(16))


class KillWorker1(keras.callbacks.Callback):
    epochs_run = 0

    def on_epoch_begin(self, epoch, logs=None):
        KillWorker1.epochs_run += 1
        if task == 1 and epoch + 1 == kill_epoch:
            os.kill(os.getpid(), signal.SIGKILL)


def build():
    keras.utils.set_random_seed(0)
    encoder = tfxlearn.nets.conv_encoder((8, 8, 1), widths=(8, 16))
    model = tfxlearn.paradigms.get("rotation")(encoder=encoder)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    return model


model, history = train(
    build,
    ds,
    epochs=3,
    run_dir=run_dir,
    strategy=strategy,
    callbacks=[order, KillWorker1()],
    verbose=0,
)
result = {f"t{i}": np.asarray(w) for i, w in enumerate(model.trainable_weights)}
result.update({f"n{i}": np.asarray(w) for i, w in enumerate(model.non_trainable_weights)})
result["loss"] = np.asarray(history.history["loss"])  # the chief's covers restarts
result["epochs_run"] = np.asarray(KillWorker1.epochs_run)
np.savez(f"{out}-{task}.npz", **result)
