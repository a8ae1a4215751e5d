"""The `synchronization` model protocol: audio-visual sync of a trained SyncNet
(`tfxlearn.paradigms.self_supervised.av_sync`, Chung & Zisserman, "Out of
time", ACCV workshops 2016) on held-out clips with a sound track.

Two measurements, deterministic from `seed`:

1. In sync vs shifted. Every test clip gives `pairs_per_clip` pairs made by
   the pretext op's own `sync_pairs` (a video window with its own audio, and
   with the audio shifted by +-1..max_offset frames; windows chosen where an
   event is visible, so the label is observable), i.e. exactly half in sync.
   A pair is called in sync when the model's distance is below a threshold
   fitted on pairs of the *training* split (the threshold maximizing balanced
   accuracy there); `sync_accuracy` is the balanced accuracy on the test pairs
   (chance 0.5), `sync_auc` the threshold-free ROC AUC of `-distance`, and
   `sync_accuracy_margin` the accuracy of the training rule `distance <
   margin / 2`.
2. Offset estimation. Each test clip's track is delayed by a true offset `d`
   drawn uniformly from [-max_offset, max_offset] frames (silence filling in,
   `tfxlearn.pretext.av_sync.delay_audio`); `model.estimate_offset(clips,
   audio)` must return `d`. Reported: `offset_mae_frames` (mean |estimate -
   d|), `offset_accuracy` (exact), and the same two numbers for a uniform
   random guess (`*_chance`), computed by the same code. `*_observable`
   restricts both to clips whose searched windows show at least one event (a
   bounce with its tone); on the others no estimate can beat chance.

    evaluation.model_protocol("synchronization")(model, EvalData("moving_digits/small",
        image_key="video"), seed=0)
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxlearn import data as tfx_data
from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.pretext.av_sync import audio_events, delay_audio, sync_pairs


def _clips_and_audio(data: EvalData, role: str, audio_key: str, limit: int | None):
    split = data.train_split if role == "train" else data.test_split
    ds = tfx_data.load(data.name, split, data_dir=data.data_dir)
    cap = data.max_train if role == "train" else data.max_test
    caps = [int(c) for c in (cap, limit) if c]
    if caps:
        ds = ds.take(min(caps))
    spec = ds.element_spec
    for key in (data.image_key, audio_key):
        if key not in spec:
            raise ValueError(
                f"synchronization: the {role} split of {data.name!r} has no feature {key!r} "
                f"(features: {sorted(spec)}); pass audio_key= or set dataset.image_key"
            )
    batches = list(ds.map(lambda ex: (ex[data.image_key], ex[audio_key])).batch(512))
    if not batches:
        raise ValueError(f"synchronization: the {role} split of {data.name!r} is empty")
    clips = np.concatenate([b[0].numpy() for b in batches])
    audio = np.concatenate([b[1].numpy() for b in batches])
    return clips, audio


def _check_rates(model, data: EvalData, audio_key: str) -> None:
    info = tfx_data.info(data.name, data_dir=data.data_dir)
    feature = dict(info.features.items()).get(audio_key)
    rate = getattr(feature, "sample_rate", None)
    fps = (info.metadata or {}).get("fps")
    if rate is not None and int(rate) != int(model.sample_rate):
        raise ValueError(
            f"synchronization: sample-rate mismatch: {data.name!r} audio is at {rate} Hz but "
            f"the model was built for sample_rate={model.sample_rate}"
        )
    if fps is not None and float(fps) != float(model.fps):
        raise ValueError(
            f"synchronization: fps mismatch: {data.name!r} clips are at {fps} fps but the "
            f"model was built for fps={model.fps}"
        )


def _pair_distances(model, clips, audio, seed: int, pairs_per_clip: int, batch_size: int):
    distances, labels = [], []
    for n, i in enumerate(range(0, len(clips), batch_size)):
        inputs, y = sync_pairs(
            clips[i : i + batch_size],
            audio[i : i + batch_size],
            tf.constant([seed, n], tf.int32),
            window=model.window,
            max_offset=model.max_offset,
            samples_per_frame=model.samples_per_frame,
            pairs_per_clip=pairs_per_clip,
        )
        distances.append(np.asarray(model(inputs, training=False)["distance"]))
        labels.append(y["in_sync"].numpy())
    return np.concatenate(distances), np.concatenate(labels)


def balanced_accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Mean of the accuracies on the in-sync (1) and shifted (0) examples."""
    predicted, labels = np.asarray(predicted, bool), np.asarray(labels, bool)
    return float(0.5 * (np.mean(predicted[labels]) + np.mean(~predicted[~labels])))


def best_threshold(distances: np.ndarray, labels: np.ndarray) -> float:
    """The distance threshold (in sync when below) of best balanced accuracy."""
    order = np.argsort(distances, kind="stable")
    values = np.asarray(distances, np.float64)[order]
    positive = np.asarray(labels, bool)[order]
    # Threshold i (0..n) calls the i smallest distances in sync.
    true_pos = np.concatenate([[0], np.cumsum(positive)])
    false_pos = np.concatenate([[0], np.cumsum(~positive)])
    scores = 0.5 * (true_pos / max(positive.sum(), 1) + 1 - false_pos / max((~positive).sum(), 1))
    distinct = np.concatenate([[True], values[1:] > values[:-1], [True]])  # no split of ties
    best = int(np.argmax(np.where(distinct, scores, -1.0)))
    edges = np.concatenate([[values[0] - 1e-6], values, [values[-1] + 1e-6]])
    return float((edges[best] + edges[best + 1]) / 2)


def offset_errors(estimate: np.ndarray, truth: np.ndarray) -> dict:
    """Mean absolute error (frames) and exact-match rate of offset estimates."""
    error = np.abs(np.asarray(estimate, np.int64) - np.asarray(truth, np.int64))
    return {"mae_frames": float(np.mean(error)), "accuracy": float(np.mean(error == 0))}


def synchronization(
    model,
    data: EvalData,
    *,
    seed: int = 0,
    audio_key: str = "audio",
    pairs_per_clip: int = 1,
    max_train_clips: int | None = 1000,
    max_test_clips: int | None = None,
    batch_size: int = 64,
) -> dict:
    """In-sync vs shifted accuracy and offset-estimation error (see the module docstring).

    `model` needs `window`, `max_offset`, `samples_per_frame`, `fps`,
    `sample_rate`, `margin`, a call `{"frames", "audio"} -> {"distance"}` and
    `estimate_offset(clips, audio)` (the `av_sync` paradigm). `data.image_key`
    names the clip feature, `audio_key` the audio feature.
    """
    for attribute in ("window", "max_offset", "samples_per_frame", "estimate_offset"):
        if not hasattr(model, attribute):
            raise ValueError(
                f"model protocol 'synchronization' needs an audio-visual sync paradigm with "
                f"{attribute}; {type(model).__name__} has none"
            )
    _check_rates(model, data, audio_key)
    seed = int(seed)
    batch_size = int(batch_size)
    train_clips, train_audio = _clips_and_audio(data, "train", audio_key, max_train_clips)
    test_clips, test_audio = _clips_and_audio(data, "test", audio_key, max_test_clips)

    train_d, train_y = _pair_distances(
        model, train_clips, train_audio, seed, pairs_per_clip, batch_size
    )
    test_d, test_y = _pair_distances(
        model, test_clips, test_audio, seed + 1, pairs_per_clip, batch_size
    )
    threshold = best_threshold(train_d, train_y)
    from sklearn.metrics import roc_auc_score

    out = {
        "sync_accuracy": balanced_accuracy(test_d < threshold, test_y),
        "sync_accuracy_chance": 0.5,
        "sync_auc": float(roc_auc_score(test_y, -test_d)),
        "sync_accuracy_margin": balanced_accuracy(test_d < model.margin / 2, test_y),
        "sync_threshold": threshold,
        "test_pairs": int(len(test_y)),
    }

    frames = int(test_clips.shape[1])
    m = int(model.max_offset)
    truth = tf.random.stateless_uniform(
        [len(test_clips)], [seed, 1], minval=-m, maxval=m + 1, dtype=tf.int32
    ).numpy()
    guess = tf.random.stateless_uniform(
        [len(test_clips)], [seed, 2], minval=-m, maxval=m + 1, dtype=tf.int32
    ).numpy()
    delayed = np.concatenate(
        [
            delay_audio(
                test_audio[i : i + batch_size],
                truth[i : i + batch_size],
                frames=frames,
                samples_per_frame=model.samples_per_frame,
            ).numpy()
            for i in range(0, len(test_clips), batch_size)
        ]
    )
    estimate = np.asarray(model.estimate_offset(test_clips, delayed))
    # Observable: an event inside the searched video windows (frames m .. T - m - 1),
    # with the frames before and after it also in view.
    events = audio_events(test_audio, frames).numpy()
    observable = events[:, m + 1 : frames - m - 1].any(axis=1)
    for name, mask in (("", slice(None)), ("_observable", observable)):
        ours = offset_errors(estimate[mask], truth[mask])
        chance = offset_errors(guess[mask], truth[mask])
        out[f"offset_mae_frames{name}"] = ours["mae_frames"]
        out[f"offset_mae_frames{name}_chance"] = chance["mae_frames"]
        out[f"offset_accuracy{name}"] = ours["accuracy"]
        out[f"offset_accuracy{name}_chance"] = chance["accuracy"]
    out["offset_clips"] = int(len(truth))
    out["offset_clips_observable"] = int(observable.sum())
    return out
