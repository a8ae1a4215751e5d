"""Frame-prediction targets: a clip -> (its first `context` frames, the next `future` ones).

The pretext task of the LSTM encoder-decoder "composite" model (Srivastava,
Mansimov & Salakhutdinov, "Unsupervised Learning of Video Representations
using LSTMs", ICML 2015: 10 input frames, 10 future frames of Moving MNIST)
and of the convolutional next-frame predictor (Mathieu, Couprie & LeCun,
"Deep multi-scale video prediction beyond mean square error", ICLR 2016).
The labels are the future frames themselves, float in [0, 1] so that a
per-pixel binary cross-entropy (the composite model's loss) applies.

Shortcuts guarded against:
- Target leakage. The context and the future are disjoint, consecutive
  windows of the clip: no target frame is ever part of the input, so a model
  cannot copy its answer (a "predict frames t..t+k from frames that include
  t" setup would be solved by the identity).
- Absolute-time cues. With `random_start=True` each clip's window starts at
  a uniformly drawn frame (stateless, per batch from `seed`), so the model
  cannot tie its prediction to the position in the clip (e.g. that frame 0 is
  where sprites are placed uniformly at random and never just bounced); it
  must read the motion from the context. With the default `random_start=False`
  the window is the start of the clip (the paper's setting: whole sequences).
The other trivial solution, copying the last context frame, is not a leak
but a baseline: the `frame_prediction` model protocol reports it beside the
model (`tfxlearn.evaluation.frame_prediction`).
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.pretext.clips import clip_batches_spec, clips_of, to_float_clips
from tfxlearn.registry import PRETEXT_OPS, PRETEXT_PLOTS


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"frame_prediction: {name} must be a positive int, got {value!r}")
    return int(value)


def split_clips(
    clips: tf.Tensor, context: int, future: int, starts: tf.Tensor | None = None
) -> tuple[tf.Tensor, tf.Tensor]:
    """Context and future windows of a batch of clips.

    Args:
        clips: [batch, T, H, W, C], uint8 in [0, 255] or float in [0, 1].
        context: frames given to the model.
        future: frames to predict, the ones right after the context.
        starts: int [batch], the first frame of each clip's window (all in
            [0, T - context - future]); None: 0 for every clip.

    Returns:
        (context [batch, context, H, W, C], future [batch, future, H, W, C]),
        float32 in [0, 1].
    """
    context = _positive_int(context, "context")
    future = _positive_int(future, "future")
    clips = tf.convert_to_tensor(clips)
    if clips.shape.rank != 5:
        raise ValueError(
            f"frame_prediction: clips must be [batch, frames, height, width, channels], got "
            f"shape {clips.shape}"
        )
    frames = clips.shape[1]
    if frames is not None and frames < context + future:
        raise ValueError(
            f"frame_prediction: clips have {frames} frames, fewer than context + future = "
            f"{context} + {future}"
        )
    if starts is None:
        window = clips[:, : context + future]
    else:
        offsets = tf.range(context + future, dtype=tf.int32)
        indices = tf.cast(starts, tf.int32)[:, None] + offsets[None, :]
        window = tf.gather(clips, indices, axis=1, batch_dims=1)
    window = to_float_clips(window)
    return window[:, :context], window[:, context:]


def random_starts(batch: tf.Tensor, frames: tf.Tensor, length: int, seed: tf.Tensor) -> tf.Tensor:
    """Uniform window starts in [0, frames - length] for `batch` clips (stateless)."""
    return tf.random.stateless_uniform(
        [batch], seed=seed, minval=0, maxval=frames - length + 1, dtype=tf.int32
    )


@PRETEXT_OPS.register("frame_prediction")
def frame_prediction(
    ds: tf.data.Dataset,
    *,
    context: int = 8,
    future: int = 8,
    random_start: bool = False,
    seed: int = 0,
    image_key: str = "image",
) -> tf.data.Dataset:
    """Turns a dataset of clip batches into (context frames, future frames).

    Args:
        ds: batched dataset whose elements are dicts (clips under `image_key`,
            as the pipeline's ExampleGen makes them), tuples (clips first) or
            clip tensors [batch, T, H, W, C], uint8 or float in [0, 1].
        context: frames the model sees (>= 1).
        future: frames it predicts (>= 1); T must be >= context + future.
        random_start: draw each clip's window start uniformly in
            [0, T - context - future] (stateless, seeded per batch from
            `seed`); False: every window starts at frame 0.
        seed: seed of `random_start`.
        image_key: key of the clips in dict elements.

    Returns:
        A dataset of `(context float32 [batch, context, H, W, C],
        future float32 [batch, future, H, W, C])`, both in [0, 1].
    """
    context = _positive_int(context, "context")
    future = _positive_int(future, "future")
    if not isinstance(random_start, bool):
        raise ValueError(f"frame_prediction: random_start must be a bool, got {random_start!r}")
    clip_batches_spec(ds, "frame_prediction", context + future, image_key)

    if not random_start:

        def fixed(*element):  # tuple elements arrive unpacked
            clips = clips_of(element[0] if len(element) == 1 else element, image_key)
            return split_clips(clips, context, future)

        return ds.map(fixed, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)

    def shifted(batch_index, element):
        # The per-batch seed (seed, batch index) of `batch_seeds`, made inside this one
        # map: a second map stage costs more than the whole window cut (measured 2x).
        batch_seed = tf.stack([tf.constant(seed, tf.int64), batch_index])
        clips = clips_of(element, image_key)
        shape = tf.shape(clips)
        starts = random_starts(shape[0], shape[1], context + future, tf.cast(batch_seed, tf.int32))
        return split_clips(clips, context, future, starts)

    return ds.enumerate().map(shifted, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


@PRETEXT_PLOTS.register("frame_prediction")
def plot(batch, path: str, title: str | None = None, model=None) -> str:
    """The pipeline's pretext figure: context | future frames of a few clips, and
    the model's predicted future frames when `model` has `predict_frames`."""
    from tfxlearn import viz  # plotting only; keeps matplotlib out of tf.data use

    context, future = (t.numpy() for t in batch)
    predicted = None
    if model is not None and callable(getattr(model, "predict_frames", None)):
        predicted = model.predict_frames(context[:4], future.shape[1])
    return viz.frame_prediction_strip(
        context[:4], future[:4], path, predicted=predicted, title=title
    )
