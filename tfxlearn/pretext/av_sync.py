"""Audio-visual synchronization pairs (Chung & Zisserman, "Out of time: automated
lip sync in the wild", ACCV workshops 2016 - SyncNet).

From each clip the op takes a window of `window` consecutive video frames
(SyncNet: 5 frames) and two audio windows of the same duration: the audio of
the same span (in sync) and the audio shifted by `s` whole video frames
(`s` in [-max_offset, max_offset], `s != 0`; one video frame is
`sample_rate / fps` samples). The model learns to tell them apart; the label
`in_sync` is 1 for `s == 0`, `offset` is the class `s + max_offset` (so class
`max_offset` means in sync).

Convention: an example of offset `s` pairs video frames `[t0, t0 + window)`
with the audio of frames `[t0 + s, t0 + s + window)`, i.e. audio sample
`(t0 + s) * samples_per_frame` onwards. Every audio window lies inside the
clip: offsets whose window would leave the clip are never drawn for that
start (a zero-padded window would give the shift away by its silence at one
end), so clips need at least `window + max_offset` frames.

Shortcuts and ambiguities guarded against:
- Unobservable shifts. Where neither the video window nor the audio shows an
  event (a wall bounce and its tone, in `moving_digits`), a shifted pair
  looks exactly like an in-sync one (silence against uneventful motion): the
  label would be noise. The window start is therefore drawn among the starts
  whose video window shows an event in its interior (frames `t0 + 1 ..
  t0 + window - 2`, so the motion before and after the bounce is visible),
  else among those whose shifted audio contains an event, else uniformly.
  Events are the frames whose audio chunk is loud (RMS at least
  `event_threshold` times the clip's loudest chunk: a bounce tone starts at
  the first sample of its frame's chunk), or the boolean per-frame feature
  `events_key` (e.g. `bounces`) when given.
- Video-only or audio-only cues. Each clip gives *pairs* of examples that
  share the same video window: one with the in-sync audio, one shifted, so
  nothing in the video alone predicts the label and the audio windows are
  both real, equally loud recordings of the same clip; positives and
  negatives alternate in the batch (every slice of a batch, e.g. each
  replica's share, holds both in equal numbers).
- Edge artefacts. Windows never cross the clip boundary (see above), so no
  padding marks a shifted example.

Elements: `{"image": clips [b, T, H, W, C] (uint8 or float), "audio": float32
[b, T / fps * sample_rate] mono}` (dicts from the pipeline's ExampleGen with
`dataset.pretext_features: {"audio": "audio"}`), or `(clips, audio)` tuples.
"""

from __future__ import annotations

import numbers
import os

import tensorflow as tf

from tfxlearn.data.audio import check_audio_video_lengths, num_audio_samples
from tfxlearn.pretext.clips import clips_of, require_clip_batch, to_float_clips
from tfxlearn.pretext.common import map_batches
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS

OP = "av_sync"


# ----------------------------------------------------------------------------- validation


def _positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{OP}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def samples_per_frame(fps, sample_rate: int) -> int:
    """Audio samples per video frame, `sample_rate / fps`; a ValueError naming the
    arguments when that is not a whole number."""
    try:
        return num_audio_samples(1, fps, sample_rate)
    except ValueError as error:
        raise ValueError(
            f"{OP}: sample_rate / fps must be a whole number of audio samples per video "
            f"frame (shifts are whole frames), got sample_rate={sample_rate!r}, fps={fps!r}: "
            f"{error}"
        ) from None


def check_window(frames: int | None, window: int, max_offset: int, *, every_offset=False) -> None:
    """Clear errors for a `window` / `max_offset` that do not fit `frames`-frame clips.

    The op needs `frames >= window + max_offset` (every offset has a start);
    `every_offset=True` (offset estimation: all offsets from one start) needs
    `frames >= window + 2 * max_offset`."""
    _positive_int(window, "window")
    _positive_int(max_offset, "max_offset")
    if frames is None:
        return
    if frames < window:
        raise ValueError(
            f"{OP}: clips of {frames} frames are shorter than the window of {window} frames"
        )
    need = window + (2 if every_offset else 1) * max_offset
    if frames < need:
        what = (
            "every offset in [-max_offset, max_offset] from the same window"
            if every_offset
            else "a shift of max_offset frames inside the clip"
        )
        raise ValueError(
            f"{OP}: max_offset={max_offset} is too large for clips of {frames} frames with "
            f"window={window}: {what} needs at least {need} frames (max_offset <= "
            f"{(frames - window) // (2 if every_offset else 1)})"
        )


def mono_audio(audio: tf.Tensor, argument: str = "audio") -> tf.Tensor:
    """`audio` as float32 [batch, samples]: int16 PCM is scaled by 1/32768, a trailing
    channel axis of 1 is dropped, several channels are refused (stereo)."""
    audio = tf.convert_to_tensor(audio)
    if audio.dtype == tf.int16:
        audio = tf.cast(audio, tf.float32) / 32768.0
    elif audio.dtype.is_floating:
        audio = tf.cast(audio, tf.float32)
    else:
        raise ValueError(
            f"{OP}: {argument} must be float waveforms in [-1, 1] or int16 PCM, got dtype "
            f"{audio.dtype.name}"
        )
    shape = audio.shape
    if shape.rank == 3 and shape[-1] == 1:
        audio = audio[..., 0]
    elif shape.rank == 3:
        raise ValueError(
            f"{OP}: {argument} must be mono [batch, samples], got shape {shape.as_list()}: "
            f"{shape[-1]} channels (stereo / multichannel); average the channels first "
            "(tf.reduce_mean(audio, axis=-1)) or pick one (audio[..., 0])"
        )
    elif shape.rank != 2:
        raise ValueError(
            f"{OP}: {argument} must be a batch of mono waveforms [batch, samples], got shape "
            f"{shape}"
        )
    return audio


def check_lengths(num_samples, frames, *, fps, sample_rate) -> None:
    """Audio of exactly `frames / fps * sample_rate` samples, or a ValueError that also
    names the rate implied by the data (a sample-rate / fps mismatch)."""
    if num_samples is None or frames is None:
        return
    try:
        check_audio_video_lengths(int(num_samples), int(frames), fps=fps, sample_rate=sample_rate)
    except ValueError as error:
        implied = num_samples * fps / frames
        raise ValueError(
            f"{OP}: {error}. Either the audio does not belong to these clips or "
            f"sample_rate / fps do not describe the data: {num_samples} samples over "
            f"{frames} frames at fps={fps} is a {implied:g} Hz track (sample_rate={sample_rate})"
        ) from None


def _split_element(element, image_key: str, audio_key: str, events_key: str | None):
    if isinstance(element, dict):
        if audio_key not in element:
            raise ValueError(
                f"{OP}: dataset elements are dicts without the audio key {audio_key!r} (keys: "
                f"{sorted(element)}); set the pipeline's dataset.pretext_features "
                f"{{{audio_key!r}: 'audio'}} or pass audio_key="
            )
        events = None
        if events_key is not None:
            if events_key not in element:
                raise ValueError(
                    f"{OP}: events_key {events_key!r} is not in the elements (keys: "
                    f"{sorted(element)})"
                )
            events = element[events_key]
        return clips_of(element, image_key), element[audio_key], events
    if isinstance(element, (tuple, list)) and len(element) >= 2:
        return element[0], element[1], element[2] if events_key is not None else None
    raise ValueError(
        f"{OP}: elements must be dicts with {image_key!r} and {audio_key!r} or (clips, audio) "
        f"tuples, got {element!r}"
    )


# ----------------------------------------------------------------------------- batch ops


def _check_chunks(audio: tf.Tensor, frames: int, spf: int) -> None:
    samples = audio.shape[-1]
    if samples is not None and samples != frames * spf:
        raise ValueError(
            f"{OP}: audio/video length mismatch: {samples} audio samples but {frames} frames "
            f"of {spf} samples (samples_per_frame) need {frames * spf}"
        )


def audio_events(audio: tf.Tensor, frames: int, threshold: float = 0.25) -> tf.Tensor:
    """bool [batch, frames]: frames whose audio chunk has an RMS of at least `threshold`
    times the clip's loudest chunk (silent clips have no events)."""
    audio = mono_audio(audio)
    chunks = tf.reshape(audio, [tf.shape(audio)[0], frames, -1])
    rms = tf.sqrt(tf.reduce_mean(tf.square(chunks), axis=-1))
    loudest = tf.reduce_max(rms, axis=-1, keepdims=True)
    return (rms >= threshold * loudest) & (loudest > 1e-4)


def _events_in(counts: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor) -> tf.Tensor:
    """Event counts in frames [lo, hi) from prefix sums `counts` [b, T + 1]; lo/hi
    [b, ...] are clipped to the clip."""
    size = tf.shape(counts)[1] - 1
    lo = tf.clip_by_value(lo, 0, size)
    hi = tf.clip_by_value(hi, 0, size)
    shape = tf.shape(lo)
    flat = lambda x: tf.reshape(x, [shape[0], -1])  # noqa: E731
    got = tf.gather(counts, flat(hi), batch_dims=1) - tf.gather(counts, flat(lo), batch_dims=1)
    return tf.reshape(got, shape)


def sync_pairs(
    clips: tf.Tensor,
    audio: tf.Tensor,
    seed: tf.Tensor,
    *,
    window: int = 5,
    max_offset: int = 4,
    samples_per_frame: int = 1600,
    pairs_per_clip: int = 1,
    events: tf.Tensor | None = None,
    event_threshold: float = 0.25,
) -> tuple[dict, dict]:
    """In-sync / shifted pairs of a batch of clips (stateless: same seed, same pairs).

    Args:
        clips: [b, T, H, W, C] (uint8 or float).
        audio: mono [b, T * samples_per_frame].
        seed: int [2] stateless seed.
        window: video frames per example.
        max_offset: largest shift, in frames.
        samples_per_frame: audio samples per video frame.
        pairs_per_clip: pairs (in sync + shifted) drawn from each clip.
        events: optional bool [b, T] per-frame events (e.g. `bounces`); default
            `audio_events(audio, T, event_threshold)`.
        event_threshold: see `audio_events`.

    Returns:
        `({"frames": float32 [n, window, H, W, C] in [0, 1], "audio": float32
        [n, window * samples_per_frame]}, {"in_sync": int32 [n], "offset": int32
        [n] (s + max_offset), "start": int32 [n] (t0)})` with `n = 2 *
        pairs_per_clip * b`, ordered clip by clip, pair by pair, in sync first.
    """
    clips = tf.convert_to_tensor(clips)
    audio = mono_audio(audio)
    frames = clips.shape[1]
    if frames is None:
        raise ValueError(f"{OP}: the clips' frame count (axis 1) must be known, got {clips.shape}")
    check_window(frames, window, max_offset)
    k = _positive_int(pairs_per_clip, "pairs_per_clip")
    spf = int(samples_per_frame)
    _check_chunks(audio, frames, spf)
    b = tf.shape(clips)[0]
    chunks = tf.reshape(audio, [b, frames, spf])
    if events is None:
        events = audio_events(audio, frames, event_threshold)
    events = tf.cast(tf.convert_to_tensor(events), tf.int32)
    counts = tf.concat([tf.zeros([b, 1], tf.int32), tf.cumsum(events, axis=1)], axis=1)

    offset_seed, noise_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    draw = tf.random.stateless_uniform(
        [b, k], offset_seed, minval=0, maxval=2 * max_offset, dtype=tf.int32
    )
    shift = tf.where(draw < max_offset, draw - max_offset, draw - max_offset + 1)  # never 0

    starts = tf.range(frames - window + 1, dtype=tf.int32)[None, None, :]  # [1, 1, S]
    s = shift[..., None]  # [b, k, 1]
    valid = (starts >= tf.maximum(0, -s)) & (starts + window + tf.maximum(0, s) <= frames)
    inner = (1, window - 1) if window >= 3 else (0, window)
    starts_b = tf.broadcast_to(starts, tf.shape(valid))
    visible = _events_in(counts, starts_b + inner[0], starts_b + inner[1]) > 0
    heard = _events_in(counts, starts_b + s, starts_b + s + window) > 0
    noise = tf.random.stateless_uniform(tf.shape(valid), noise_seed)
    score = 2.0 * tf.cast(visible, tf.float32) + tf.cast(heard, tf.float32) + noise
    score = tf.where(valid, score, -1.0)
    start = tf.argmax(score, axis=-1, output_type=tf.int32)  # [b, k]

    steps = tf.range(window, dtype=tf.int32)
    video_index = start[..., None] + steps  # [b, k, window]
    audio_index = tf.stack([video_index, video_index + s], axis=2)  # [b, k, 2, window]
    video = to_float_clips(tf.gather(clips, tf.reshape(video_index, [b, -1]), batch_dims=1))
    video = tf.reshape(video, tf.concat([[b, k, 1, window], tf.shape(clips)[2:]], 0))
    video = tf.concat([video, video], axis=2)  # the pair shares its window (tf.repeat is slow)
    sound = tf.gather(chunks, tf.reshape(audio_index, [b, -1]), batch_dims=1)
    n = b * k * 2
    inputs = {
        "frames": tf.reshape(video, tf.concat([[n, window], tf.shape(clips)[2:]], 0)),
        "audio": tf.reshape(sound, [n, window * spf]),
    }
    offset = tf.stack([tf.zeros_like(shift), shift], axis=2)  # [b, k, 2]
    labels = {
        "in_sync": tf.reshape(tf.cast(tf.equal(offset, 0), tf.int32), [n]),
        "offset": tf.reshape(offset + max_offset, [n]),
        "start": tf.reshape(tf.stack([start, start], axis=2), [n]),
    }
    return inputs, labels


def candidate_windows(
    clips: tf.Tensor,
    audio: tf.Tensor,
    *,
    window: int,
    max_offset: int,
    samples_per_frame: int,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Every window with every candidate offset, for offset estimation (SyncNet slides
    the audio over +-max_offset frames and averages distances over the windows).

    Window starts are `max_offset .. T - window - max_offset` (each admits every
    offset inside the clip).

    Returns:
        `(frames float32 [b, num_starts, window, H, W, C], audio float32
        [b, num_starts, 2 * max_offset + 1, window * samples_per_frame])`, the audio
        of candidate `j` being shifted by `j - max_offset` frames.
    """
    clips = tf.convert_to_tensor(clips)
    audio = mono_audio(audio)
    frames = clips.shape[1]
    check_window(frames, window, max_offset, every_offset=True)
    spf = int(samples_per_frame)
    _check_chunks(audio, frames, spf)
    b = tf.shape(clips)[0]
    chunks = tf.reshape(audio, [b, frames, spf])
    starts = tf.range(max_offset, frames - window - max_offset + 1)  # [S]
    num_starts = frames - window - 2 * max_offset + 1
    steps = tf.range(window)
    video_index = starts[:, None] + steps  # [S, window]
    shifts = tf.range(-max_offset, max_offset + 1)
    audio_index = video_index[:, None, :] + shifts[None, :, None]  # [S, O, window]
    video = tf.gather(to_float_clips(clips), video_index, axis=1)  # [b, S, window, H, W, C]
    sound = tf.gather(chunks, audio_index, axis=1)  # [b, S, O, window, spf]
    sound = tf.reshape(sound, [b, num_starts, 2 * max_offset + 1, window * spf])
    return video, sound


def delay_audio(audio: tf.Tensor, delay: tf.Tensor, *, frames: int, samples_per_frame: int):
    """Each track of `audio` [b, frames * samples_per_frame] delayed by `delay[i]` whole
    frames (negative: advanced), silence (zeros) filling in: sample `n` of the result
    is sample `n - delay * samples_per_frame` of the input. The audio of video frame
    `t` is then at frame `t + delay`: `estimate_offset` should return `delay`."""
    audio = mono_audio(audio)
    spf = int(samples_per_frame)
    b = tf.shape(audio)[0]
    chunks = tf.reshape(audio, [b, frames, spf])
    source = tf.range(frames)[None, :] - tf.cast(delay, tf.int32)[:, None]  # [b, frames]
    inside = (source >= 0) & (source < frames)
    moved = tf.gather(chunks, tf.clip_by_value(source, 0, frames - 1), batch_dims=1)
    moved = tf.where(inside[..., None], moved, 0.0)
    return tf.reshape(moved, [b, frames * spf])


# ----------------------------------------------------------------------------- the op


@PRETEXT_OPS.register("av_sync")
def av_sync(
    ds: tf.data.Dataset,
    *,
    window: int = 5,
    max_offset: int = 4,
    fps: float = 10,
    sample_rate: int = 16_000,
    pairs_per_clip: int = 1,
    seed: int = 0,
    image_key: str = "image",
    audio_key: str = "audio",
    events_key: str | None = None,
    event_threshold: float = 0.25,
) -> tf.data.Dataset:
    """Turns a dataset of clip + audio batches into in-sync / shifted pairs.

    Args:
        ds: batched dataset of dicts `{image_key: clips [b, T, H, W, C], audio_key:
            mono audio [b, T / fps * sample_rate]}` or `(clips, audio)` tuples.
        window: video frames per example (SyncNet: 5).
        max_offset: largest shift in frames; offsets are drawn uniformly from
            +-1 .. +-max_offset. Clips need `window + max_offset` frames.
        fps / sample_rate: the clips' frame rate and the audio's sample rate;
            `sample_rate / fps` samples make one frame (must be whole).
        pairs_per_clip: in-sync + shifted pairs drawn from each clip.
        seed: stateless seed; each batch gets `[seed, batch index]`.
        image_key / audio_key: keys of dict elements.
        events_key: optional key of bool [b, T] per-frame events (e.g.
            "bounces") used to choose observable windows; default: loud frames
            of the audio (`event_threshold`).
        event_threshold: relative RMS of an audio event frame.

    Returns:
        A dataset of `({"frames", "audio"}, {"in_sync", "offset", "start"})`,
        see `sync_pairs`.
    """
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"{OP}: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    window = _positive_int(window, "window")
    max_offset = _positive_int(max_offset, "max_offset")
    _positive_int(pairs_per_clip, "pairs_per_clip")
    if not 0 < float(event_threshold) <= 1:
        raise ValueError(f"{OP}: event_threshold must be in (0, 1], got {event_threshold!r}")
    spf = samples_per_frame(fps, sample_rate)
    clip_spec, audio_spec, events_spec = _split_element(
        ds.element_spec, image_key, audio_key, events_key
    )
    require_clip_batch(clip_spec, OP, min_frames=window)
    frames = clip_spec.shape[1]
    check_window(frames, window, max_offset)
    audio_shape = audio_spec.shape
    if audio_shape.rank == 3 and audio_shape[-1] != 1:
        mono_audio(tf.zeros([1, 1, audio_shape[-1]]))  # raises the stereo error
    if audio_shape.rank not in (2, 3):
        raise ValueError(
            f"{OP}: audio must be a batch of mono waveforms [batch, samples], got shape "
            f"{audio_shape}"
        )
    check_lengths(audio_shape[1], frames, fps=fps, sample_rate=sample_rate)
    if events_spec is not None and events_spec.shape.rank != 2:
        raise ValueError(
            f"{OP}: events ({events_key!r}) must be bool [batch, frames], got {events_spec.shape}"
        )

    def make(batch_seed, element):
        clips, audio, events = _split_element(element, image_key, audio_key, events_key)
        return sync_pairs(
            clips,
            audio,
            tf.cast(batch_seed, tf.int32),
            window=window,
            max_offset=max_offset,
            samples_per_frame=spf,
            pairs_per_clip=pairs_per_clip,
            events=events,
            event_threshold=float(event_threshold),
        )

    return map_batches(ds, seed, make)


@PRETEXT_PLOTS.register("av_sync")
def plot(batch, path: str, *, title: str | None = None, model=None, examples: int = 6) -> str:
    """Draws pairs: the window's frames and the in-sync / shifted audio envelopes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    inputs, labels = batch
    frames = np.asarray(inputs["frames"])[:examples]
    audio = np.asarray(inputs["audio"])[:examples]
    offsets = np.asarray(labels["offset"])[:examples]
    in_sync = np.asarray(labels["in_sync"])[:examples]
    window = frames.shape[1]
    # the in-sync class is max_offset (the op's labels are offset + max_offset)
    center = int(offsets[in_sync == 1][0]) if in_sync.any() else 0
    fig, axes = plt.subplots(
        len(frames), window + 2, figsize=(1.3 * (window + 2) + 2, 1.3 * len(frames)), squeeze=False
    )
    for i in range(len(frames)):
        for t in range(window):
            axes[i, t].imshow(frames[i, t, ..., 0], cmap="gray", vmin=0, vmax=1)
            axes[i, t].axis("off")
        ax = plt.subplot2grid((len(frames), window + 2), (i, window), colspan=2, fig=fig)
        axes[i, window].axis("off")
        axes[i, window + 1].axis("off")
        envelope = np.abs(audio[i]).reshape(window, -1)
        ax.plot(np.linspace(0, window, envelope.size), envelope.ravel(), lw=0.5)
        for t in range(1, window):
            ax.axvline(t, color="gray", lw=0.3)
        ax.set_xlim(0, window)
        ax.set_yticks([])
        ax.set_xticks([])
        shift = offsets[i] - center
        ax.set_title("in sync" if in_sync[i] else f"audio shifted {shift:+d} frames", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
