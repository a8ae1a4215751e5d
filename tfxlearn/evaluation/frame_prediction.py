"""The `frame_prediction` model protocol: how well a video paradigm predicts the
future frames of held-out clips, beside the copy-last-frame baseline computed
by the same code (the task of Srivastava et al., ICML 2015 and Mathieu et al.,
ICLR 2016 on Moving MNIST).

For each test clip the model gets its first `context` frames and predicts the
next `future` ones (`model.predict_frames(context_frames, future)`,
probabilities in [0, 1]); the truth is the clip's frames there (intensities
in [0, 1]). Reported, per pixel and averaged over clips, frames and pixels:

- `bce`: binary cross-entropy -t log p - (1 - t) log(1 - p), p clipped to
  [1e-7, 1 - 1e-7] (Keras's epsilon; the composite LSTM's training loss),
- `mse`: mean squared error (and `mse_first` / `mse_last` for the first
  and last predicted frame, to show how errors grow with the horizon),
- the same for the copy-last-frame baseline (`copy_last_*`: every future
  frame predicted as the last context frame, a hard 0/1-ish prediction, so
  its BCE is dominated by the epsilon of the misplaced pixels; its MSE is the
  fairer comparison), and `*_gain_over_copy_last` = baseline - model (> 0:
  the model beats copying),
- `bce_floor`: the BCE of the truth against itself (its per-pixel entropy;
  no prediction can go below it, as the targets are not binary).
"""

from __future__ import annotations

import keras
import numpy as np

from tfxlearn.evaluation.eval_data import EvalData

EPSILON = 1e-7


def _require_predict_frames(model):
    fn = getattr(model, "predict_frames", None)
    if not callable(fn):
        raise ValueError(
            "model protocol 'frame_prediction' needs a paradigm with a predict_frames() "
            f"method; {type(model).__name__} has none"
        )
    return fn


def per_pixel_bce(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Per-pixel binary cross-entropy (float64), `predicted` clipped to [eps, 1 - eps]."""
    p = np.clip(np.asarray(predicted, np.float64), EPSILON, 1.0 - EPSILON)
    t = np.asarray(truth, np.float64)
    return -(t * np.log(p) + (1.0 - t) * np.log(1.0 - p))


def prediction_errors(truth: np.ndarray, predicted: np.ndarray) -> dict:
    """`{"bce", "mse", "mse_first", "mse_last"}` of predicted frames [n, future, H, W, C]."""
    truth = np.asarray(truth, np.float64)
    predicted = np.asarray(predicted, np.float64)
    if truth.shape != predicted.shape or truth.ndim != 5:
        raise ValueError(
            f"predicted frames {predicted.shape} must match the true frames {truth.shape} "
            "[clips, future, H, W, C]"
        )
    squared = np.square(predicted - truth)
    return {
        "bce": float(per_pixel_bce(truth, predicted).mean()),
        "mse": float(squared.mean()),
        "mse_first": float(squared[:, 0].mean()),
        "mse_last": float(squared[:, -1].mean()),
    }


def copy_last_frame(context_frames: np.ndarray, future: int) -> np.ndarray:
    """The baseline prediction: the last context frame repeated `future` times."""
    last = np.asarray(context_frames)[:, -1:]
    return np.repeat(last, int(future), axis=1)


def frame_prediction(
    model: keras.Model,
    data: EvalData,
    *,
    seed: int = 0,
    context: int | None = None,
    future: int | None = None,
    max_clips: int | None = 500,
    batch_size: int = 64,
) -> dict:
    """Future-frame BCE / MSE of the model on the test clips, beside copy-last-frame.

    Args:
        model: a paradigm with `predict_frames(context_frames, future)`.
        data: the evaluation data; its test "images" are clips [n, T, H, W, C]
            (pipelines: `dataset.image_key: "video"`).
        seed: unused (the protocol is deterministic).
        context: frames given to the model (default: `model.context`).
        future: frames to predict (default: `model.future`, at most
            T - context).
        max_clips: the first `max_clips` test clips (None: all).
        batch_size: clips per `predict_frames` call.

    Returns:
        A flat dict of numbers (see the module docstring).
    """
    del seed
    predict = _require_predict_frames(model)
    clips, _ = data.test
    clips = np.asarray(clips)
    if clips.ndim != 5:
        raise ValueError(
            f"frame_prediction needs clips [n, T, H, W, C] as the test images (set "
            f"dataset.image_key to the video feature), got shape {clips.shape}"
        )
    if max_clips is not None:
        if isinstance(max_clips, bool) or int(max_clips) < 1:
            raise ValueError(f"max_clips must be a positive int or None, got {max_clips!r}")
        clips = clips[: int(max_clips)]
    context = int(context if context is not None else model.context)
    frames = clips.shape[1]
    if future is None:
        future = min(int(model.future), frames - context)
    future = int(future)
    if context < 1 or future < 1 or context + future > frames:
        raise ValueError(
            f"context={context} and future={future} must be >= 1 and fit the clips' {frames} frames"
        )
    floats = clips.astype(np.float32) / 255.0 if clips.dtype == np.uint8 else clips
    floats = floats.astype(np.float32)
    seen, truth = floats[:, :context], floats[:, context : context + future]
    predicted = np.asarray(predict(seen, future, batch_size=int(batch_size)), np.float32)
    model_errors = prediction_errors(truth, predicted)
    baseline = prediction_errors(truth, copy_last_frame(seen, future))
    out = dict(model_errors)
    out.update({f"copy_last_{k}": v for k, v in baseline.items()})
    out["bce_gain_over_copy_last"] = baseline["bce"] - model_errors["bce"]
    out["mse_gain_over_copy_last"] = baseline["mse"] - model_errors["mse"]
    out["bce_floor"] = float(per_pixel_bce(truth, truth).mean())
    out.update({"clips": int(len(clips)), "context": context, "future": future})
    return out
