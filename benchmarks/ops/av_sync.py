"""av_sync (SyncNet pairs) on moving_digits/small clips (16 frames 32x32, 1.6 s of
16 kHz audio): the vectorized op against the same work per clip in NumPy."""

import keras
import numpy as np
import tensorflow as tf

import tfxlearn
from tfxlearn.pretext.av_sync import sync_pairs

CLIPS = 2048  # of the 4000 training clips: ~0.3 GB of audio and video in memory
WINDOW, MAX_OFFSET, FPS, RATE = 5, 4, 10, 16_000
SPF = RATE // FPS
BATCH = 64


def clips_and_audio(n: int) -> dict:
    ds = tfxlearn.data.load("moving_digits/small", "train").take(min(int(n), CLIPS))
    batches = list(ds.map(lambda ex: (ex["video"], ex["audio"])).batch(512).as_numpy_iterator())
    return {
        "video": np.concatenate([b[0] for b in batches]),
        "audio": np.concatenate([b[1] for b in batches]),
    }


def make_input(data: dict) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices({"image": data["video"], "audio": data["audio"]})
    return ds.batch(BATCH, drop_remainder=True)


def _pairs_of_clip(clip, audio, rng, shift=None, start=None, threshold=0.25):
    """One clip's (in sync, shifted) pair, choosing the window like the op."""
    frames = clip.shape[0]
    chunks = audio.reshape(frames, SPF)
    rms = np.sqrt(np.mean(chunks.astype(np.float64) ** 2, axis=1))
    events = (rms >= threshold * rms.max()) & (rms.max() > 1e-4)
    if shift is None:
        draw = int(rng.integers(0, 2 * MAX_OFFSET))
        shift = draw - MAX_OFFSET if draw < MAX_OFFSET else draw - MAX_OFFSET + 1
    if start is None:
        best, start = -np.inf, 0
        for t0 in range(max(0, -shift), frames - WINDOW - max(0, shift) + 1):
            visible = events[t0 + 1 : t0 + WINDOW - 1].any()
            heard = events[t0 + shift : t0 + shift + WINDOW].any()
            score = 2.0 * visible + heard + rng.random()
            if score > best:
                best, start = score, t0
    video = clip[start : start + WINDOW].astype(np.float32) / 255.0
    in_sync = chunks[start : start + WINDOW].reshape(-1)
    shifted = chunks[start + shift : start + shift + WINDOW].reshape(-1)
    return video, in_sync, shifted, shift, start


def numpy_per_sample(data: dict, batch: int, seed: int = 0, given=None):
    """Per clip: audio events, a nonzero shift, the best window, the two pairs."""
    rng = np.random.default_rng(seed)
    video_all, audio_all = data["video"], data["audio"]
    for first in range(0, len(video_all) - batch + 1, batch):
        frames, sounds, offsets, starts = [], [], [], []
        for i in range(first, first + batch):
            shift, start = given[i] if given is not None else (None, None)
            video, in_sync, shifted, shift, start = _pairs_of_clip(
                video_all[i], audio_all[i], rng, shift, start
            )
            frames += [video, video]
            sounds += [in_sync, shifted]
            offsets += [MAX_OFFSET, shift + MAX_OFFSET]
            starts += [start, start]
        offsets = np.asarray(offsets, np.int32)
        yield (
            {"frames": np.stack(frames), "audio": np.stack(sounds)},
            {
                "in_sync": (offsets == MAX_OFFSET).astype(np.int32),
                "offset": offsets,
                "start": np.asarray(starts, np.int32),
            },
        )


def check(data: dict) -> None:
    small = {k: v[:16] for k, v in data.items()}
    inputs, labels = sync_pairs(
        small["video"],
        small["audio"],
        tf.constant([0, 0]),
        window=WINDOW,
        max_offset=MAX_OFFSET,
        samples_per_frame=SPF,
    )
    shifts = labels["offset"].numpy()[1::2] - MAX_OFFSET
    starts = labels["start"].numpy()[::2]
    want_inputs, want_labels = next(numpy_per_sample(small, 16, given=list(zip(shifts, starts))))
    np.testing.assert_allclose(inputs["frames"], want_inputs["frames"])
    np.testing.assert_array_equal(inputs["audio"], want_inputs["audio"])
    for key in ("in_sync", "offset", "start"):
        np.testing.assert_array_equal(labels[key], want_labels[key])
    # Free choices (shift, window) agree in distribution: most windows show a bounce.
    bounces = tfxlearn.data.load("moving_digits/small", "train").take(256)
    bounces = next(iter(bounces.map(lambda ex: ex["bounces"]).batch(256))).numpy()
    sub = {k: v[:256] for k, v in data.items()}
    _, ours = next(numpy_per_sample(sub, 256))
    _, op_labels = sync_pairs(
        sub["video"], sub["audio"], tf.constant([1, 0]), samples_per_frame=SPF
    )

    def visible(starts):
        return np.mean([bounces[i, s + 1 : s + WINDOW - 1].any() for i, s in enumerate(starts)])

    a, b = visible(ours["start"][::2]), visible(op_labels["start"].numpy()[::2])
    assert abs(a - b) < 0.1, (a, b)


def build_model():
    model = tfxlearn.paradigms.get("av_sync")(
        video_encoder=tfxlearn.nets.conv_encoder((32, 32, WINDOW)),
        window=WINDOW,
        max_offset=MAX_OFFSET,
    )
    model.compile(optimizer=keras.optimizers.Adam())
    return model


CASE = {
    "op": "av_sync",
    "op_args": {"window": WINDOW, "max_offset": MAX_OFFSET, "fps": FPS, "sample_rate": RATE},
    "images": clips_and_audio,
    "input": make_input,
    "numpy_per_sample": numpy_per_sample,
    "check": check,
    "samples": lambda batch: int(batch[1]["in_sync"].shape[0]),
    "build_model": build_model,
}
