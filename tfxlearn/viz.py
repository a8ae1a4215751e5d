"""Plots written by the pipelines: pretext examples, training curves, embeddings."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _save(fig, path: str) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def image_grid(
    images: np.ndarray,
    labels: Sequence | None,
    path: str,
    *,
    label_names: Sequence[str] | None = None,
    columns: int = 8,
    title: str | None = None,
) -> str:
    """A grid of images, each titled with its (generated) label (untitled if
    `labels` is None). Returns `path`."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must be [n, height, width, channels], got {images.shape}")
    n = len(images)
    rows = max(1, -(-n // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.45 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        image = images[i]
        if image.shape[-1] == 1:
            ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1 if image.max() <= 1 else 255)
        else:
            ax.imshow(np.clip(image, 0, 1 if image.max() <= 1 else 255))
        if labels is None:
            continue
        label = labels[i]
        ax.set_title(str(label_names[int(label)] if label_names else label), fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def training_curves(history: dict, path: str, *, title: str | None = None) -> str:
    """One panel per metric (loss, accuracy, ...) over epochs, train and validation."""
    names = [k for k in history if not k.startswith("val_")]
    if not names:
        raise ValueError("history has no metrics to plot")
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3), squeeze=False)
    for ax, name in zip(axes.flat, names):
        epochs = np.arange(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], marker="o", label="train")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], marker="o", label="validation")
            ax.legend(fontsize=8)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def pca_2d(features: np.ndarray) -> np.ndarray:
    """Projection of `features` [n, d] onto its first two principal components."""
    centered = features - features.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    return centered @ vt[:2].T


def embedding_plot(
    features: np.ndarray,
    labels: np.ndarray,
    path: str,
    *,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> str:
    """2-D PCA of the features, one colour per class."""
    points = pca_2d(np.asarray(features, np.float64))
    labels = np.asarray(labels)
    fig, ax = plt.subplots(figsize=(6, 5))
    cmap = plt.get_cmap("tab10")
    for c in np.unique(labels):
        mask = labels == c
        name = class_names[int(c)] if class_names else str(c)
        ax.scatter(
            points[mask, 0], points[mask, 1], s=4, alpha=0.6, color=cmap(int(c) % 10), label=name
        )
    ax.legend(markerscale=3, fontsize=7, loc="best")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(title or "embedding (PCA)")
    return _save(fig, path)


def tile(images: np.ndarray, columns: int = 8) -> np.ndarray:
    """Images [n, h, w, c] in [0, 1] -> one mosaic [rows * h, columns * w, c] (1 px gaps),
    e.g. for TensorBoard's image summaries."""
    images = np.clip(np.asarray(images, np.float32), 0.0, 1.0)
    if images.ndim != 4:
        raise ValueError(f"images must be [n, height, width, channels], got {images.shape}")
    n, h, w, c = images.shape
    columns = max(1, min(int(columns), n))
    rows = -(-n // columns)
    mosaic = np.ones((rows * (h + 1) - 1, columns * (w + 1) - 1, c), np.float32)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        mosaic[r * (h + 1) : r * (h + 1) + h, col * (w + 1) : col * (w + 1) + w] = image
    return mosaic


def image_rows(
    rows: dict, path: str, *, title: str | None = None, captions: dict | None = None
) -> str:
    """Named rows of images drawn one above the other (e.g. inputs above their
    reconstructions, or one latent code swept along a row). `captions` maps a row
    name to one text per image (drawn above it, e.g. a predicted class). Returns `path`."""
    if not rows:
        raise ValueError("rows must name at least one row of images")
    arrays = {name: np.clip(np.asarray(v, np.float32), 0, 1) for name, v in rows.items()}
    columns = max(len(v) for v in arrays.values())
    fig, axes = plt.subplots(
        len(arrays),
        columns,
        figsize=(1.0 * columns + 1.2, (1.3 if captions else 1.05) * len(arrays)),
        squeeze=False,
    )
    for r, (name, images) in enumerate(arrays.items()):
        for i, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if i < len(images):
                image = images[i]
                ax.imshow(
                    image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1
                )
                texts = (captions or {}).get(name)
                if texts is not None and i < len(texts):
                    ax.set_title(str(texts[i]), fontsize=7)
        axes[r][0].set_ylabel(str(name), fontsize=8, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def frame_prediction_strip(
    context: np.ndarray,
    future: np.ndarray,
    path: str,
    *,
    predicted: np.ndarray | None = None,
    max_clips: int = 4,
    title: str | None = None,
) -> str:
    """Video prediction strips: for each clip a row "true" (context frames, a gap,
    the true future frames) and, if `predicted` is given, a row "predicted" under
    it (the same context, then the predicted frames), so predicted and true frames
    line up column by column. Returns `path`.

    Args:
        context: [clips, context, H, W, C] frames in [0, 1] (1 or 3 channels).
        future: [clips, future, H, W, C] true future frames.
        predicted: [clips, future, H, W, C] predicted frames (probabilities), or None.
        max_clips: clips drawn (the first ones).
        title: figure title.
    """
    context, future = np.asarray(context, np.float32), np.asarray(future, np.float32)
    if context.ndim != 5 or future.ndim != 5:
        raise ValueError(
            f"context and future must be [clips, frames, H, W, C], got {context.shape} and "
            f"{future.shape}"
        )
    if context.shape[0] != future.shape[0] or context.shape[2:] != future.shape[2:]:
        raise ValueError(
            f"context {context.shape} and future {future.shape} must hold the same clips and "
            "frame shape"
        )
    if predicted is not None:
        predicted = np.asarray(predicted, np.float32)
        if predicted.shape != future.shape:
            raise ValueError(
                f"predicted must have the shape of future {future.shape}, got {predicted.shape}"
            )
    if int(max_clips) < 1:
        raise ValueError(f"max_clips must be >= 1, got {max_clips}")
    clips = min(int(max_clips), context.shape[0])
    n_context, n_future = context.shape[1], future.shape[1]
    columns = n_context + 1 + n_future  # one empty column between context and future
    rows = []
    for i in range(clips):
        rows.append((f"clip {i} true", context[i], future[i]))
        if predicted is not None:
            rows.append((f"clip {i} predicted", context[i], predicted[i]))
    fig, axes = plt.subplots(
        len(rows), columns, figsize=(0.8 * columns + 1.4, 0.85 * len(rows)), squeeze=False
    )
    for r, (name, seen, ahead) in enumerate(rows):
        frames = [*seen, None, *ahead]
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if frames[c] is None:
                continue
            image = np.clip(frames[c], 0, 1)
            ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
            if r == 0:
                label = f"t{c}" if c < n_context else f"+{c - n_context}"
                ax.set_title(label, fontsize=7)
        axes[r][0].set_ylabel(name, fontsize=7, rotation=0, ha="right", va="center")
    axes[0][n_context].set_title("|", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def curve_panels(
    panels: dict,
    path: str,
    *,
    x_labels: Sequence[str],
    xlabel: str,
    ylabel: str,
    title: str | None = None,
) -> str:
    """Side-by-side panels of curves with error bars, on shared categorical x values.

    Args:
        panels: `{panel title: {curve label: (means, sds or None)}}`, each
            `means` one value per entry of `x_labels` (None: not measured).
        path: the PNG to write.
        x_labels: the x positions' labels (e.g. labels per class "1", "5", "all").
        xlabel, ylabel: axis titles.
        title: the figure's title.

    Returns:
        `path`.
    """
    if not panels:
        raise ValueError("panels is empty: nothing to plot")
    x = np.arange(len(x_labels))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5 * len(panels), 3.6), squeeze=False, sharey=True
    )
    for ax, (name, curves) in zip(axes.flat, panels.items()):
        for label, (means, sds) in curves.items():
            means = np.array([np.nan if m is None else m for m in means], dtype=float)
            if len(means) != len(x):
                raise ValueError(f"{name} / {label}: {len(means)} values for {len(x)} x labels")
            errors = None if sds is None else np.array([0 if s is None else s for s in sds])
            ax.errorbar(x, means, yerr=errors, marker="o", capsize=3, label=label)
        ax.set_xticks(x, list(x_labels))
        ax.set_xlabel(xlabel)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes.flat[0].set_ylabel(ylabel)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)
