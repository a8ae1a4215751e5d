"""Audio-visual correspondence labels (Arandjelovic & Zisserman, "Look, Listen and
Learn", ICCV 2017 - L3-Net; reused by "Objects that Sound", ECCV 2018 - AVE-Net).

From a batch of B examples that each carry an image (or a clip) and the audio
recorded with it, the op makes image/audio *pairs* labelled 1 ("they
correspond": both from the same example) or 0 (the audio comes from another
example of the batch). In L3 the negatives are simply other clips; this op
does the same and never looks at class labels (self-supervised pretraining).

False negatives. On `spoken_digits_av` another example of the *same digit* is a
semantically corresponding pair that this op labels 0 (there is no
instance-level link between an image and its audio beyond the digit: images
are drawn at random for each utterance). With 10 balanced classes about 1 in 10
negatives is such a false negative; a model that learned exactly the digit
correspondence would reach ~95% on these labels. We keep the paper's negatives
(other examples) and count the false negatives in the evaluation instead
(`tfxlearn.evaluation.audio_visual.correspondence` reports accuracy both with
semantic negatives - a different digit - and with the paper's random ones).

Shortcuts guarded against:
- Unimodal marginals. In mode "all" every image appears once with its own
  audio (label 1) and once with another example's (label 0), and the
  mismatched audio is a *derangement* of the batch (one random cycle through
  all B examples): every audio clip also appears exactly once in each class.
  Neither the image alone nor the audio alone says anything about the label;
  only their relation does.
- Trivial negatives. The mismatched audio never comes from the same example
  (no fixed point of the derangement), and matched and mismatched audio go
  through exactly the same processing (no resampling, padding or feature
  difference that could reveal which is which).
- Batch-statistics leaks. Pairs are interleaved (matched i, mismatched i,
  ...), so every slice of the output batch - each replica's share under
  MirroredStrategy - holds both labels in equal numbers.

Elements come from the pipeline's ExampleGen as dicts `{"image": uint8 [B, H, W,
C] (or clips [B, T, H, W, C]), "audio": float32 [B, samples], "index": int64
[B]}`; tuples `(images, audio, ...)` are accepted too.
"""

from __future__ import annotations

import tensorflow as tf

from tfxlearn.data import to_float_images
from tfxlearn.data.audio import DEFAULT_SAMPLE_RATE, LogMelSpectrogram
from tfxlearn.pretext.common import batch_seeds
from tfxlearn.registry import PRETEXT_OPS

OP = "audio_visual_correspondence"
LABEL_NAMES = ("mismatched", "matched")
_MODES = ("all", "random")
_FEATURES = ("waveform", "log_mel")


def _element_part(element, key: str, position: int, what: str):
    if isinstance(element, dict):
        if key not in element:
            raise ValueError(
                f"{OP}: dataset elements are dicts without the {what} key {key!r} (keys: "
                f"{sorted(element)}); pass {what}_key= (pipelines: dataset.pretext_features "
                '{"audio": "audio"} adds the audio)'
            )
        return element[key]
    if isinstance(element, (tuple, list)):
        if len(element) <= position:
            raise ValueError(f"{OP}: tuple elements must be (images, audio, ...), got {element}")
        return element[position]
    raise ValueError(
        f"{OP}: elements must be dicts with {key!r} or tuples (images, audio); got a single "
        f"tensor {element} - the op needs both the images and the audio"
    )


def check_audio_visual_specs(image_spec, audio_spec, op: str = OP) -> None:
    """Clear ValueErrors unless `image_spec` is a batch of images [B, H, W, C] or
    clips [B, T, H, W, C] and `audio_spec` a batch of mono waveforms [B, samples]
    with the same (static) batch size."""
    rank = image_spec.shape.rank
    if rank not in (4, 5):
        raise ValueError(
            f"{op}: images must be batches [batch, height, width, channels] (or clips "
            f"[batch, frames, height, width, channels]), got shape {image_spec.shape}; "
            "call ds.batch(n) first"
        )
    if not (image_spec.dtype.is_floating or image_spec.dtype.is_integer):
        raise ValueError(f"{op}: images must be numeric, got dtype {image_spec.dtype.name}")
    shape = audio_spec.shape
    if shape.rank == 3 and shape[-1] is not None and shape[-1] >= 2:
        raise ValueError(
            f"{op}: audio must be mono waveforms [batch, samples], got shape {shape} "
            f"({shape[-1]} channels: stereo / multichannel); average the channels first "
            "(tf.reduce_mean(audio, axis=-1))"
        )
    if shape.rank == 3 and shape[-1] == 1:
        shape = shape[:-1]
    if shape.rank != 2:
        raise ValueError(
            f"{op}: audio must be a batch of mono waveforms [batch, samples], got shape "
            f"{audio_spec.shape}"
        )
    if not audio_spec.dtype.is_floating and audio_spec.dtype != tf.int16:
        raise ValueError(
            f"{op}: audio must be float (in [-1, 1]) or int16 PCM, got dtype "
            f"{audio_spec.dtype.name}"
        )
    b_img, b_aud = image_spec.shape[0], shape[0]
    if b_img is not None and b_aud is not None and b_img != b_aud:
        raise ValueError(
            f"{op}: audio/image count mismatch: {b_img} images but {b_aud} audio clips in a "
            "batch; every image needs the audio of its own example"
        )


def _mono(audio: tf.Tensor) -> tf.Tensor:
    audio = tf.convert_to_tensor(audio)
    if audio.dtype == tf.int16:
        audio = tf.cast(audio, tf.float32) / 32768.0
    audio = tf.cast(audio, tf.float32)
    if audio.shape.rank == 3:
        audio = tf.squeeze(audio, -1)
    return audio


def cyclic_derangement(batch, seed: tf.Tensor) -> tf.Tensor:
    """A random permutation of range(batch) with no fixed point, made of one cycle
    through all positions (stateless: same seed, same permutation).

    Returns `source` int32 [batch] with `source[i] != i` for batch >= 2.
    """
    batch = tf.convert_to_tensor(batch, tf.int32)
    order = tf.argsort(tf.random.stateless_uniform([batch], seed=seed))
    nxt = tf.roll(order, shift=-1, axis=0)  # order[k] -> order[k + 1]
    return tf.scatter_nd(order[:, None], nxt, [batch])


def correspondence_pairs(
    images: tf.Tensor, audio: tf.Tensor, seed: tf.Tensor, mode: str = "all"
) -> dict:
    """Matched / mismatched image-audio pairs of one batch.

    Args:
        images: [B, ...] images or clips (any dtype, kept).
        audio: [B, samples] mono waveforms.
        seed: shape [2] stateless seed.
        mode: "all" - 2B pairs, image i with its own audio (label 1) then with
            the audio of `derangement[i]` (label 0), interleaved; "random" - B
            pairs, each matched or mismatched with probability 1/2.

    Returns:
        dict with "images" [N, ...], "audio" [N, samples], "labels" int32 [N]
        and "image_source" / "audio_source" int32 [N]: the batch position each
        pair's image / audio comes from (label 1 iff they are equal).
    """
    if mode not in _MODES:
        raise ValueError(f"{OP}: mode must be one of {_MODES}, got {mode!r}")
    images = tf.convert_to_tensor(images)
    audio = tf.convert_to_tensor(audio)
    batch = tf.shape(images)[0]
    tf.debugging.assert_equal(
        batch,
        tf.shape(audio)[0],
        message=f"{OP}: audio/image count mismatch (every image needs its own audio)",
    )
    tf.debugging.assert_greater_equal(
        batch, 2, message=f"{OP}: a batch needs >= 2 examples to draw mismatched audio from"
    )
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int32), 2)
    other = cyclic_derangement(batch, seeds[0])
    own = tf.range(batch, dtype=tf.int32)
    if mode == "all":
        image_source = tf.repeat(own, 2)
        audio_source = tf.reshape(tf.stack([own, other], axis=1), [-1])
        labels = tf.tile(tf.constant([1, 0], tf.int32), [batch])
    else:
        labels = tf.random.stateless_uniform(
            [batch], seed=seeds[1], minval=0, maxval=2, dtype=tf.int32
        )
        image_source = own
        audio_source = tf.where(labels == 1, own, other)
    return {
        "images": tf.gather(images, image_source),
        "audio": tf.gather(audio, audio_source),
        "labels": labels,
        "image_source": image_source,
        "audio_source": audio_source,
    }


@PRETEXT_OPS.register(OP)
def audio_visual_correspondence(
    ds: tf.data.Dataset,
    *,
    mode: str = "all",
    seed: int = 0,
    image_key: str = "image",
    audio_key: str = "audio",
    audio_features: str = "waveform",
    sample_rate: int | None = None,
    keep_indices: bool = False,
) -> tf.data.Dataset:
    """Turns batches of {image, audio} into (pairs, correspondence labels).

    Args:
        ds: batched dataset of dicts (images under `image_key`, mono audio
            [batch, samples] under `audio_key`, optionally "index") or tuples
            (images, audio, ...).
        mode: "all" (2B balanced pairs per batch of B, the default) or "random"
            (B pairs, label drawn per example); see `correspondence_pairs`.
        seed: per-batch stateless seeds are derived from it.
        image_key / audio_key: keys of dict elements.
        audio_features: "waveform" (the audio network computes its own log-mel,
            `tfxlearn.nets.audio_encoder`) or "log_mel" (log-mel spectrograms
            [N, frames, bins, 1] computed here in tf.data, VGGish framing).
        sample_rate: rate of the audio; with "log_mel" it must match the 16 kHz
            the spectrogram is configured for (checked by `LogMelSpectrogram`).
        keep_indices: also return "image_index" / "audio_index" (the example
            index - the element's "index", else the batch position - each
            pair's image and audio come from), e.g. for tests.

    Returns:
        A dataset of `({"images": float32 in [0, 1], "audio": float32}, labels
        int32)`, label 1 = the audio belongs to the image's own example.
    """
    if mode not in _MODES:
        raise ValueError(f"{OP}: mode must be one of {_MODES}, got {mode!r}")
    if audio_features not in _FEATURES:
        raise ValueError(f"{OP}: audio_features must be one of {_FEATURES}, got {audio_features!r}")
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"{OP}: ds must be a tf.data.Dataset, got {type(ds).__name__}")
    spec = ds.element_spec
    image_spec = _element_part(spec, image_key, 0, "image")
    audio_spec = _element_part(spec, audio_key, 1, "audio")
    check_audio_visual_specs(image_spec, audio_spec)
    log_mel = None
    if audio_features == "log_mel":
        log_mel = LogMelSpectrogram(DEFAULT_SAMPLE_RATE)
        # Raises on a sample-rate mismatch before any data flows.
        log_mel(tf.zeros([1, log_mel.frame_length]), sample_rate=sample_rate)
    elif sample_rate is not None and int(sample_rate) <= 0:
        raise ValueError(f"{OP}: sample_rate must be a positive int, got {sample_rate!r}")

    def make(batch_seed, element):
        images = _element_part(element, image_key, 0, "image")
        audio = _mono(_element_part(element, audio_key, 1, "audio"))
        pairs = correspondence_pairs(images, audio, batch_seed, mode)
        features = pairs["audio"]
        if log_mel is not None:
            features = tf.expand_dims(log_mel(features), -1)
        inputs = {"images": to_float_images(pairs["images"]), "audio": features}
        if keep_indices:
            if isinstance(element, dict) and "index" in element:
                index = tf.cast(element["index"], tf.int64)
            else:
                index = tf.range(tf.shape(images)[0], dtype=tf.int64)
            inputs["image_index"] = tf.gather(index, pairs["image_source"])
            inputs["audio_index"] = tf.gather(index, pairs["audio_source"])
        return inputs, pairs["labels"]

    return batch_seeds(ds, seed).map(
        lambda s, *e: make(s, e[0] if len(e) == 1 else e),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )


audio_visual_correspondence.label_names = LABEL_NAMES
