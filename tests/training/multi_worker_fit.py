"""Child process of tests/training/test_multi_worker.py: fits the tiny contract example of
each named paradigm and saves the final weights and losses.

    python multi_worker_fit.py reference OUT.npz NAME...   # one process, 2 replicas
    python multi_worker_fit.py worker OUT-{task}.npz NAME... # TF_CONFIG: one worker

`reference` runs a MirroredStrategy over 2 logical CPUs; `worker` runs one
replica per process under MultiWorkerMirroredStrategy (TF_CONFIG from the
parent). Same seed and global batch, so the final weights must agree.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# tests/ (for contract_examples): a child process does not get pytest's pythonpath.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

mode, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
if mode == "reference":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    )

import keras  # noqa: E402
from contract_examples import EXAMPLES  # noqa: E402

import tfxlearn  # noqa: E402
from tfxlearn.training import multi_worker  # noqa: E402

if mode == "reference":
    strategy = tfxlearn.training.default_strategy()
    assert strategy.num_replicas_in_sync == 2
else:
    strategy = multi_worker.multi_worker_strategy(timeout_seconds=120)
    assert multi_worker.is_multi_worker(strategy)
    assert strategy.num_replicas_in_sync == 2
    out = out.format(task=strategy.cluster_resolver.task_id)

STEPS, EPOCHS = 2, 2
result = {}
for name in names:
    example = EXAMPLES[name]
    data = tfxlearn.training.shard_by_data(example["data"]().repeat(STEPS))
    batch = next(iter(example["data"]()))
    with strategy.scope():
        keras.utils.set_random_seed(1)
        model = example["build"]("batch")
        model(example.get("inputs", lambda b: b[0])(batch))
        if "compile" in example:
            example["compile"](model)
        else:
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    start = [np.asarray(w.numpy()) for w in model.trainable_weights]
    history = model.fit(data, epochs=EPOCHS, verbose=0)
    assert any(np.abs(a - w.numpy()).max() > 0 for a, w in zip(start, model.trainable_weights))
    result[f"{name}/loss"] = np.asarray(history.history["loss"])
    for i, w in enumerate(model.trainable_weights):
        result[f"{name}/t{i}"] = np.asarray(w.numpy())
    for i, w in enumerate(model.non_trainable_weights):
        result[f"{name}/n{i}"] = np.asarray(w.numpy())
np.savez(out, **result)
print("done", mode, flush=True)
