"""Style transfer on scikit-image photographs, measured (issue 26 section 3).

Content images: astronaut, chelsea, coffee, rocket - for each, the largest
square of the photograph's bottom rows (the rows of `skimage_photos`' test
split, below 70% of the height), resized to 64x64. Styles: scikit-image's
brick, grass and gravel textures (grey, repeated to RGB) and the colour
immunohistochemistry image, resized to 128 pixels. Extractor:
`tfxlearn.nets.default_extractor()` (VGG19 if ImageNet weights are in the
Keras cache, else - offline, as here - the random multi-scale network of
Ustyuzhaninov et al., ICLR 2017); content layer and style layers its defaults.

1. **Choice on validation** (never on the measured images): for each style, the
   style weight of `tfxlearn.style.transfer` (Gatys et al., CVPR 2016; L-BFGS,
   content 1, total variation 0.01) is the smallest of the candidates whose
   optimized images have at most 1% of the content images' style loss, on
   validation content images - the largest square of the same photographs' top
   rows (`skimage_photos`' training rows), disjoint from the measured pixels.
   The rule was fixed before any result was seen.
2. **Gatys et al.**: per content x style, the style and content losses of the
   content image itself (before) and of the optimized image (after).
3. **Fast style transfer** (Johnson et al., ECCV 2016): the
   `fast_style_skimage_photos` pipeline per style. Its style weight is chosen
   on the validation carve of the training split (`pipeline.selection_config`,
   the test split forbidden): of 10 and 100, the lower `transfer_ratio` (the
   larger of style loss after / before and content loss relative to the style
   image's; a network that paints the texture whatever its input has a content
   ratio near 1). Then trained on the whole training split (3,200 32x32 crops,
   flips); its SavedModel is applied to the measured content images and scored
   with the same loss as the optimization (Gatys's chosen weight): the style and
   content losses, the ratio of its total loss to the optimization's (1 = as good
   as optimizing each image), the pipeline's own `style_transfer` metrics on the
   test crops, and images/s of the exported network (`serving_default`,
   batches of 16 at 64x64 and 256x256).
4. A picture grid content x style (Gatys and fast rows): quality_style.png.

    python benchmarks/quality_style.py           # about 75 minutes on 2 CPU cores
    python benchmarks/quality_style.py --smoke   # < 1 min, writes nothing

Estimated time (2 CPU cores, measured pieces of the smoke and calibration runs):
validation 4 styles x 3 weights x 100 L-BFGS steps on 4 images (~12 min), the
measured optimization 4 x 200 steps (~7 min), 4 styles x (2 selection + 1 final)
fast networks of 4 epochs at ~50 s per epoch (~45 min with evaluation and
export), speed and figure (~1 min).

Results: benchmarks/results/quality_style.json and quality_style.png, rendered
into docs/style.md by render_readme.py (renderers/style.py).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from common import RESULTS, begin, write_result  # noqa: E402

NAME = "quality_style"
PIPELINE = "fast_style_skimage_photos"
STYLE_RATIO_TARGET = 0.01  # the validation rule: style loss at most 1% of the content image's

SETTINGS = {
    "contents": ["astronaut", "chelsea", "coffee", "rocket"],
    "styles": ["brick", "grass", "gravel", "immunohistochemistry"],
    "size": 64,
    "style_size": 128,
    "content_weight": 1.0,
    "tv_weight": 0.01,
    "candidate_style_weights": [10.0, 100.0, 1000.0],
    "validation_steps": 100,
    "steps": 200,
    "optimizer": "lbfgs",
    "fast_epochs": 4,
    "fast_style_weights": [10.0, 100.0],
    "speed_sizes": [64, 256],
    "speed_batch": 16,
    "speed_repeats": 5,
}
SMOKE = {
    **SETTINGS,
    "contents": ["astronaut", "coffee"],
    "styles": ["brick"],
    "size": 32,
    "style_size": 32,
    "candidate_style_weights": [1000.0],
    "fast_style_weights": [10.0],
    "validation_steps": 3,
    "steps": 3,
    "speed_sizes": [32],
    "speed_batch": 4,
    "speed_repeats": 1,
}


def content_images(settings: dict, rows: str) -> np.ndarray:
    """float32 [n, size, size, 3]: the largest square of each content photograph's
    test rows ("test": below the skimage_photos boundary) or training rows ("train")."""
    from tfxlearn.data import load_image, skimage_photos

    images = []
    for name in settings["contents"]:
        photo = load_image(name)
        height, width = photo.shape[:2]
        boundary = int(np.floor(skimage_photos.TRAIN_FRACTION * height))
        top, bottom = (boundary, height) if rows == "test" else (0, boundary)
        side = min(bottom - top, width)
        left = (width - side) // 2
        square = photo[top : top + side, left : left + side]
        images.append(load_image(square, size=(settings["size"], settings["size"])))
    return np.stack(images)


def style_images(settings: dict) -> dict:
    from tfxlearn.data import load_image

    return {s: load_image(s, size=settings["style_size"], channels=3) for s in settings["styles"]}


def _gatys(contents, style, settings, style_weight, steps, extractor):
    from tfxlearn import style as style_lib

    return style_lib.transfer(
        contents,
        style,
        extractor=extractor,
        content_weight=settings["content_weight"],
        style_weight=style_weight,
        tv_weight=settings["tv_weight"],
        steps=steps,
        optimizer=settings["optimizer"],
    )


def select(settings: dict, styles: dict, extractor) -> dict:
    """Per style: the smallest candidate weight whose optimized validation images
    keep at most STYLE_RATIO_TARGET of the content images' style loss (the
    largest candidate if none does)."""
    validation = content_images(settings, "train")
    choices = {}
    for name, image in styles.items():
        rows = {}
        for weight in sorted(settings["candidate_style_weights"]):
            result = _gatys(
                validation, image, settings, weight, settings["validation_steps"], extractor
            )
            ratio = float(np.max(result.after["style"] / result.before["style"]))
            rows[f"{weight:g}"] = {
                "max_style_ratio": ratio,
                "content": float(np.mean(result.after["content"])),
            }
            print(f"  validation {name} style_weight {weight:g}: max style ratio {ratio:.4f}")
        passing = [float(w) for w, r in rows.items() if r["max_style_ratio"] <= STYLE_RATIO_TARGET]
        chosen = min(passing) if passing else max(settings["candidate_style_weights"])
        choices[name] = {"style_weight": chosen, "candidates": rows}
    return choices


def _terms(result_terms: dict, i: int) -> dict:
    return {k: float(v[i]) for k, v in result_terms.items()}


def train_fast(
    style: str,
    style_weight: float,
    settings: dict,
    smoke: bool,
    workdir: str,
    selection: bool = False,
):
    """The pipeline trained for one style; returns (export path, style_transfer
    metrics, seconds). `selection`: on the validation carve of the training split
    (`pipeline.selection_config`), with the test split forbidden."""
    from tfxlearn import data as tfx_data
    from tfxlearn import pipeline

    config = pipeline.load_config(
        PIPELINE,
        smoke=smoke,
        style=style,
        style_weight=style_weight,
        epochs=settings["fast_epochs"],
    )
    config["paradigm"]["args"]["style_size"] = settings["style_size"]
    config["evaluation"]["blessing"]["max"] = 1e9  # measured here whatever the blessing says
    if smoke:
        config["dataset"].update(max_train=32, max_test=8)
    tag = f"{style}_{style_weight:g}_{'selection' if selection else 'final'}"
    start = time.perf_counter()
    if selection:
        config = pipeline.selection_config(config)
        forbidden = tfx_data.forbid_splits(config["selection"]["test_split"])
    else:
        forbidden = contextlib.nullcontext()
    with forbidden:
        result = pipeline.run(
            config,
            run_dir=os.path.join(workdir, f"run_{tag}"),
            export_root=os.path.join(workdir, "saved_models"),
            verbose=0,
        )
    metrics = result.metrics["model_results"]["style_transfer"]
    return result.export_path, metrics, time.perf_counter() - start


def select_fast(style: str, settings: dict, smoke: bool, workdir: str) -> dict:
    """The fast network's style weight for `style`: of `fast_style_weights`, the one
    whose pipeline run on the validation carve has the lowest `transfer_ratio`
    (the larger of the style ratio and the content ratio; see the pipeline)."""
    if len(settings["fast_style_weights"]) == 1:  # nothing to choose (the smoke run)
        return {"style_weight": float(settings["fast_style_weights"][0]), "candidates": {}}
    rows = {}
    for weight in settings["fast_style_weights"]:
        _, metrics, seconds = train_fast(style, weight, settings, smoke, workdir, True)
        row = {key: metrics[key] for key in ("transfer_ratio", "style_ratio", "content_ratio")}
        rows[f"{weight:g}"] = {**row, "seconds": seconds}
        print(f"  validation fast {style} style_weight {weight:g}: {row}")
    chosen = min(rows, key=lambda w: rows[w]["transfer_ratio"])
    return {"style_weight": float(chosen), "candidates": rows}


def images_per_second(serve, size: int, settings: dict) -> float:
    import tensorflow as tf

    batch = tf.random.stateless_uniform([settings["speed_batch"], size, size, 3], [0, size])
    serve(images=batch)  # trace and warm up
    start = time.perf_counter()
    for _ in range(settings["speed_repeats"]):
        serve(images=batch)["stylized"].numpy()
    return settings["speed_batch"] * settings["speed_repeats"] / (time.perf_counter() - start)


def measure(settings: dict, smoke: bool = False) -> tuple[dict, dict]:
    import tensorflow as tf

    from tfxlearn import nets
    from tfxlearn.export import load_serving_fn
    from tfxlearn.losses import PerceptualLoss

    extractor = nets.default_extractor()
    content_layers, style_layers = nets.default_layers(extractor)
    styles = style_images(settings)
    print(f"extractor {extractor.name}; choosing style weights on validation content", flush=True)
    choices = select(settings, styles, extractor)
    contents = content_images(settings, "test")
    pairs, figure = {}, {"content": contents, "style": np.stack(list(styles.values()))}
    speeds, fast_seconds, fast_choices, fast_metrics_all = {}, {}, {}, {}
    features = nets.feature_model(extractor, content_layers + style_layers)
    with tempfile.TemporaryDirectory(prefix="quality_style-") as workdir:
        for name, image in styles.items():
            weight = choices[name]["style_weight"]
            print(f"style {name} (style_weight {weight:g}): Gatys, then the fast network")
            start = time.perf_counter()
            gatys = _gatys(contents, image, settings, weight, settings["steps"], extractor)
            gatys_seconds = time.perf_counter() - start
            fast_choices[name] = select_fast(name, settings, smoke, workdir)
            fast_weight = fast_choices[name]["style_weight"]
            export_path, fast_metrics, fast_seconds[name] = train_fast(
                name, fast_weight, settings, smoke, workdir
            )
            serve = load_serving_fn(export_path)
            fast_images = serve(images=tf.constant(contents))["stylized"].numpy()
            # Both methods are scored with the same loss: Gatys's chosen weight.
            loss = PerceptualLoss(
                features,
                content_layers,
                style_layers,
                content_weight=settings["content_weight"],
                style_weight=weight,
                tv_weight=settings["tv_weight"],
            )
            fast = loss(
                tf.constant(fast_images),
                loss.content_targets(tf.constant(contents)),
                loss.style_targets(tf.constant(image[None])),
            )
            fast = {k: v.numpy() for k, v in fast.items()}
            for i, content in enumerate(settings["contents"]):
                pairs[f"{content}/{name}"] = {
                    "content": content,
                    "style": name,
                    "style_weight": weight,
                    "fast_style_weight": fast_weight,
                    "before": _terms(gatys.before, i),
                    "gatys": _terms(gatys.after, i),
                    "fast": _terms(fast, i),
                    "fast_over_gatys": float(fast["loss"][i] / gatys.after["loss"][i]),
                }
            fast_metrics_all[name] = fast_metrics
            speeds[name] = {
                str(size): images_per_second(serve, size, settings)
                for size in settings["speed_sizes"]
            }
            figure[f"{name}: Gatys"] = gatys.images
            figure[f"{name}: fast"] = fast_images
            print(
                f"  Gatys {gatys_seconds:.0f} s, fast training {fast_seconds[name]:.0f} s; "
                f"fast / Gatys loss {np.mean([p['fast_over_gatys'] for p in pairs.values() if p['style'] == name]):.2f}"  # noqa: E501
            )
    result = {
        "extractor": extractor.name,
        "content_layers": content_layers,
        "style_layers": style_layers,
        "choices": choices,
        "fast_choices": fast_choices,
        "fast_test_crops": fast_metrics_all,
        "pairs": pairs,
        "summary": summarize(pairs),
        "images_per_second": speeds,
        "fast_training_seconds": fast_seconds,
    }
    return result, figure


def summarize(pairs: dict) -> dict:
    """Means over content x style pairs: style / content losses before, after Gatys,
    after the fast network; the fast network's total loss relative to Gatys."""
    values = list(pairs.values())

    def mean(path):
        return float(np.mean([v[path[0]][path[1]] for v in values]))

    return {
        "pairs": len(values),
        "style_before": mean(("before", "style")),
        "style_gatys": mean(("gatys", "style")),
        "style_fast": mean(("fast", "style")),
        "content_gatys": mean(("gatys", "content")),
        "content_fast": mean(("fast", "content")),
        "fast_over_gatys_mean": float(np.mean([v["fast_over_gatys"] for v in values])),
        "fast_over_gatys_median": float(np.median([v["fast_over_gatys"] for v in values])),
    }


def plot(figure: dict, path: str) -> str:
    from tfxlearn import viz

    return viz.image_rows(
        figure,
        path,
        title="Style transfer: content images (columns) x styles (rows), Gatys and fast",
    )


def main(argv: list[str]) -> None:
    argv = begin(argv)
    smoke = "--smoke" in argv
    argv = [a for a in argv if a != "--smoke"]
    if argv:
        raise SystemExit(f"unknown arguments {argv}; usage: {__doc__.split(chr(10) * 2)[-3]}")
    settings = SMOKE if smoke else SETTINGS
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    result, figure = measure(settings, smoke=smoke)
    s = result["summary"]
    print(
        f"style loss: before {s['style_before']:.4g}, Gatys {s['style_gatys']:.4g}, fast "
        f"{s['style_fast']:.4g}; fast / Gatys total loss {s['fast_over_gatys_mean']:.2f}"
    )
    for name, speed in result["images_per_second"].items():
        print(f"  {name}: " + ", ".join(f"{k}px {v:.1f} images/s" for k, v in speed.items()))
    if smoke:
        print("smoke run: nothing written")
        return
    png = plot(figure, os.path.join(RESULTS, f"{NAME}.png"))
    write_result(
        NAME,
        {
            "settings": settings,
            **result,
            "plot": os.path.relpath(png, os.path.dirname(os.path.dirname(RESULTS))),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])
