"""The `tfxlearn` command.

tfxlearn list                              paradigms, pretext ops, datasets, pipelines
tfxlearn run PIPELINE [--smoke] [--run_dir=DIR] [--export_root=DIR]
             [--workers=N | --cluster=tf_config|slurm] [--config.KEY.PATH=VALUE ...]
tfxlearn visualize SOURCE --objective=OBJECTIVE[,OBJECTIVE...] [--net=encoder]
             [--out=PNG] [--steps=256] [--param=fourier|pixel] [--transforms=standard|none]
             [--tv=0] [--l2=0] [--seed=0] [--smoke]
tfxlearn style CONTENT STYLE [--out=PNG] [--size=256] [--style_size=256] [--steps=256]
             [--optimizer=lbfgs|adam] [--extractor=auto|random|vgg19]
             [--style_weight=1000] [--content_weight=1] [--tv_weight=0.01] [--smoke]

PIPELINE is a name from `tfxlearn list` or a path to a pipeline file. Each
--config.KEY.PATH=VALUE overrides one entry of the pipeline's config, e.g.
--config.train.epochs=5, --config.dataset.name=folder:/data/images,
--config.dataset.image_size=[28,28,1] (VALUE is read as JSON when it parses,
else as a string); unknown keys and wrong types are refused before anything
runs, and the run directory's config.json records the resolved config.

--workers=N starts N worker processes on this machine that train together under
MultiWorkerMirroredStrategy (free ports, TF_CONFIG set for each; worker 0 is the
chief and prints the results). On a real cluster run the same command (without
--workers) on every machine with TF_CONFIG set (or --cluster=slurm inside a Slurm
job) and the same --run_dir on a shared filesystem. Rerunning a multi-worker run
with the same --run_dir resumes it from the last completed epoch.

`visualize` optimizes input images so that each OBJECTIVE grows (feature
visualization, `tfxlearn.visualize`) and writes them as a PNG grid. SOURCE is a
pipeline run directory (its trained network --net: encoder, or e.g.
encoder+head), a .keras file or a SavedModel export. OBJECTIVE is
channel:LAYER/INDEX, neuron:LAYER/INDEX, deepdream:LAYER, logit:INDEX,
prob:INDEX or diversity:LAYER, terms joined by + and weighted as W*TERM; one
image per comma-separated objective. --smoke runs 16 steps.

tfxlearn transfer SOURCE --dataset=NAME [--mode=linear] [--labels_per_class=N]
             [--epochs=10] [--learning_rate=0.001] [--image_size=28,28,1]
             [--weights=imagenet] [--net=encoder] [--export_root=DIR] [--seed=0] [--smoke]

`transfer` trains a classifier for the labelled TFDS dataset NAME from a
pretrained encoder (`tfxlearn.transfer.fit`, docs/transfer.md) and prints its
test accuracy; with --export_root it exports the classifier as a SavedModel.
SOURCE is a pipeline run directory (its --net), a .keras file, a SavedModel
export or a keras.applications name (with --image_size and --weights: imagenet
needs internet, else a local weights file or "none"). --mode is one of linear,
finetune, gradual, discriminative, lp_ft; --labels_per_class keeps that many
training labels per class; --image_size resizes the dataset's images.
--smoke trains a few steps on a slice of the data.

`style` renders CONTENT in the style of STYLE by optimizing the image (Gatys et
al., `tfxlearn.style.transfer`) and writes the result as a PNG (default
stylized.png). CONTENT and STYLE are image files or scikit-image names
(astronaut, chelsea, brick, gravel, ...), both read as RGB. The extractor is
VGG19 when its ImageNet weights are in the Keras cache, else a random
multi-scale network (--extractor). --smoke runs 5 steps at 64 pixels.
"""

from __future__ import annotations

import os
import sys
import tempfile

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_bool("smoke", False, "Run the pipeline's tiny smoke configuration.")
flags.DEFINE_string("run_dir", None, "Run directory (rerun with the same one to resume).")
flags.DEFINE_string("runs_root", "runs", "Parent of new run directories.")
flags.DEFINE_string("export_root", None, "Override the pipeline's SavedModel export root.")
flags.DEFINE_integer(
    "workers", 1, "Train with this many local worker processes (MultiWorkerMirroredStrategy)."
)
flags.DEFINE_enum(
    "cluster",
    None,
    ["tf_config", "slurm"],
    "Join a multi-worker cluster described by TF_CONFIG or by the Slurm allocation "
    "(default: tf_config when TF_CONFIG is set).",
)
flags.DEFINE_float(
    "collective_timeout", 600.0, "Multi-worker: seconds before a stuck all-reduce fails."
)

flags.DEFINE_string("objective", None, "visualize: objective(s), comma-separated.")
flags.DEFINE_string("net", "encoder", "visualize: network of a run directory's model.")
flags.DEFINE_string("out", None, "visualize: output PNG (default: in the run's plots/ or here).")
flags.DEFINE_integer("steps", 256, "visualize: optimization steps.")
flags.DEFINE_enum("param", "fourier", ["fourier", "pixel"], "visualize: image parametrization.")
flags.DEFINE_enum("transforms", "standard", ["standard", "none"], "visualize: robustness.")
flags.DEFINE_float("tv", 0.0, "visualize: weight of the total-variation penalty.")
flags.DEFINE_float("l2", 0.0, "visualize: weight of the L2 penalty.")
flags.DEFINE_float(
    "learning_rate",
    0.05,
    "Adam learning rate (visualize, style --optimizer=adam: 0.05; transfer: 0.001 unless given).",
)
flags.DEFINE_integer("seed", 0, "visualize: seed of the images and transforms; transfer: of fit.")
flags.DEFINE_string("dataset", None, "transfer: the labelled TFDS dataset to transfer to.")
flags.DEFINE_enum(
    "mode",
    "linear",
    ["linear", "finetune", "gradual", "discriminative", "lp_ft"],
    "transfer: how the encoder is transferred.",
)
flags.DEFINE_integer("labels_per_class", None, "transfer: training labels kept per class.")
flags.DEFINE_integer("epochs", 10, "transfer: passes over the training labels.")
flags.DEFINE_string("image_size", None, "transfer: H,W,C to resize the dataset's images to.")
flags.DEFINE_string("weights", "imagenet", "transfer: keras.applications weights (or none).")
flags.DEFINE_integer("size", 256, "style: shorter side of the content image, pixels.")
flags.DEFINE_integer("style_size", 256, "style: shorter side of the style image, pixels.")
flags.DEFINE_enum("optimizer", "lbfgs", ["lbfgs", "adam"], "style: image optimizer.")
flags.DEFINE_enum("extractor", "auto", ["auto", "random", "vgg19"], "style: feature extractor.")
flags.DEFINE_float("style_weight", 1000.0, "style: weight of the style loss.")
flags.DEFINE_float("content_weight", 1.0, "style: weight of the content loss.")
flags.DEFINE_float("tv_weight", 0.01, "style: weight of the total-variation loss.")

USAGE = __doc__
CONFIG_PREFIX = "--config."
HELP_FLAGS = ("--help", "-help", "--helpshort", "-helpshort")  # --helpfull stays absl's
_overrides: list[str] = []  # the --config.* arguments, taken out before absl parses flags
USAGE_ERROR = 2  # exit status of a user error (bad name, flag, config or output location)


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, exit status 2."""


def check_writable(path: str, what: str) -> None:
    """Raises `UserError` unless `path` is (or can be made) a writable directory.

    Creates the directory (as the run would), then a file in it, and removes the
    file: the honest test (as root, `os.access` says yes to /proc)."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".tfxlearn-write-check-"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UserError(
            f"{what} {path!r} is not a writable directory ({reason}); "
            f"choose another with --{what.replace(' ', '_')}"
        ) from None


def _list() -> None:
    from tfxlearn import pipeline
    from tfxlearn.registry import DATASETS, PARADIGMS, PRETEXT_OPS

    for title, names in (
        ("paradigms", PARADIGMS.names()),
        ("pretext ops", PRETEXT_OPS.names()),
        ("datasets (offline TFDS builders)", DATASETS.names()),
        ("pipelines", pipeline.available_pipelines()),
    ):
        print(f"{title}:")
        for name in names:
            print(f"  {name}")


def _launch_workers(name: str) -> int:
    """`--workers=N`: this process starts N workers on localhost and waits."""

    from tfxlearn import pipeline
    from tfxlearn.training import multi_worker

    config = _load(name)  # fail early on a bad name
    check_outputs(config)
    run_dir = FLAGS.run_dir or pipeline.new_run_dir(config, FLAGS.runs_root)
    argv = ["-m", "tfxlearn.cli", "run", name, f"--run_dir={run_dir}", *_overrides]
    argv += [f"--collective_timeout={FLAGS.collective_timeout}"]
    if FLAGS.smoke:
        argv.append("--smoke")
    if FLAGS.export_root:
        argv.append(f"--export_root={FLAGS.export_root}")
    log_dir = os.path.join(run_dir, "workers")
    print(f"tfxlearn: {FLAGS.workers} workers on localhost; run directory {run_dir}")
    print(f"tfxlearn: worker 0 (chief) prints here; the others log to {log_dir}/")
    try:
        multi_worker.launch_local(
            multi_worker.python_command(*argv), FLAGS.workers, log_dir=log_dir
        )
    except multi_worker.WorkerLostError as error:
        print(f"tfxlearn: {error}", file=sys.stderr)
        return 1
    return 0


def _load(name: str) -> dict:
    """The pipeline's config; a bad name or config is a `UserError`."""
    from tfxlearn import pipeline

    try:
        config = pipeline.load_config(name, smoke=FLAGS.smoke)
        return pipeline.apply_overrides(config, _overrides) if _overrides else config
    except KeyError as error:  # its str() is quoted
        raise UserError(str(error.args[0] if error.args else error)) from None
    except ValueError as error:
        raise UserError(str(error)) from None


def check_outputs(config: dict) -> None:
    """Every place the run will write, checked before any data is read: the run
    directory (with its TensorBoard logs) or the runs root, and the export root."""
    if FLAGS.run_dir:
        check_writable(FLAGS.run_dir, "run dir")
    else:
        check_writable(FLAGS.runs_root, "runs root")
    check_writable(FLAGS.export_root or config["export"]["root"], "export root")


def check_data(config: dict) -> None:
    """The dataset exists and its images fit the encoder (else a `UserError`
    naming `dataset.image_size`), before any step is trained."""
    from tfxlearn import pipeline

    try:
        pipeline.check_image_shape(config, pipeline.example_gen(config))
    except ValueError as error:
        raise UserError(str(error)) from None


def _strategy():
    """The multi-worker strategy when this process is part of a cluster, else None."""
    kind = FLAGS.cluster or ("tf_config" if os.environ.get("TF_CONFIG") else None)
    if kind is None:
        return None
    import tensorflow as tf

    from tfxlearn.training import multi_worker

    # MultiWorkerMirroredStrategy logs every collective it sets up at INFO level.
    tf.get_logger().setLevel("WARNING")
    resolver = multi_worker.cluster_resolver(kind)
    return multi_worker.multi_worker_strategy(resolver, timeout_seconds=FLAGS.collective_timeout)


def _run(name: str) -> int:
    from tfxlearn import pipeline
    from tfxlearn.training import NonFiniteLossError, WorkerLostError

    if FLAGS.workers < 1:
        raise app.UsageError(f"--workers must be >= 1, got {FLAGS.workers}")
    if FLAGS.workers > 1:
        if FLAGS.cluster or os.environ.get("TF_CONFIG"):
            raise app.UsageError(
                "--workers starts a local cluster; do not combine it with --cluster or TF_CONFIG"
            )
        return _launch_workers(name)
    clustered = FLAGS.cluster or os.environ.get("TF_CONFIG")
    if clustered and not FLAGS.run_dir:
        raise app.UsageError(
            "a multi-worker run needs --run_dir (the same directory, on a shared "
            "filesystem, for every worker)"
        )
    config = _load(name)
    check_outputs(config)
    # The strategy first: a multi-worker strategy must configure collective ops
    # before TensorFlow runs anything (the data check builds datasets).
    strategy = _strategy()
    check_data(config)
    try:
        result = pipeline.run(
            config,
            runs_root=FLAGS.runs_root,
            run_dir=FLAGS.run_dir,
            export_root=FLAGS.export_root,
            strategy=strategy,
        )
    except (WorkerLostError, NonFiniteLossError) as error:
        print(f"tfxlearn: {error}", file=sys.stderr)
        return 1
    if not result.metrics.get("chief", True):
        return 0
    m = result.metrics
    print()
    # Encoder protocols are accuracies; model protocols (perplexity, FID, ...) name
    # their own metrics in their table.
    measured = "test accuracy (%)" if m["results"] else "test results"
    print(f"{config['name']} - {measured} on {config['dataset']['name']}:")
    print(m["table"])
    print()
    print(f"blessing: {'BLESSED' if m['blessed'] else 'NOT blessed'} ({m['blessing']})")
    if result.export_path:
        print(f"SavedModel (TF Serving layout): {result.export_path}")
    else:
        print("SavedModel: not exported (the model was not blessed)")
    print(f"plots: {', '.join(result.plots.values())}")
    print(f"run directory (config.json, metrics.json, tensorboard/): {result.run_dir}")
    print(f"TensorBoard: tensorboard --logdir {os.path.join(result.run_dir, 'tensorboard')}")
    timings = ", ".join(f"{k} {v:.0f} s" for k, v in m["seconds"].items())
    print(f"time: {timings}")
    return 0


def _visualize(source: str) -> int:
    """`tfxlearn visualize SOURCE`: a PNG grid of optimized images."""
    from tfxlearn import pipeline, visualize

    if not FLAGS.objective:
        raise UserError("visualize needs --objective, e.g. --objective=channel:block1_relu0/3")
    try:
        objectives = [visualize.parse(text) for text in FLAGS.objective.split(",")]
        if FLAGS.tv or FLAGS.l2:
            penalty = FLAGS.tv * visualize.total_variation() + FLAGS.l2 * visualize.l2()
            objectives = [o - penalty for o in objectives]
        if FLAGS.steps < 1:
            raise ValueError(f"--steps must be >= 1, got {FLAGS.steps}")
        run_dir = pipeline.is_run_dir(source)
        if run_dir:
            model = pipeline.trained_network(pipeline.load_trained(source), FLAGS.net)
        else:
            model = visualize.load_model(source)
        out = FLAGS.out or _default_png(source, run_dir)
        check_writable(os.path.dirname(os.path.abspath(out)), "out")
        print(f"visualize: {model.name} ({len(objectives)} objective(s), {FLAGS.param})")
        result = visualize.render(
            model,
            objectives,
            steps=16 if FLAGS.smoke else FLAGS.steps,
            learning_rate=FLAGS.learning_rate,
            param=FLAGS.param,
            transforms=None if FLAGS.transforms == "none" else "standard",
            seed=FLAGS.seed,
        )
    except ValueError as error:
        raise UserError(str(error)) from None
    captions = [f"{o.name}\n{s:.3g}" for o, s in zip(result.objectives, result.scores)]
    path = visualize.save_grid(result.images, out, captions=captions, title=model.name)
    for objective, score in zip(result.objectives, result.scores):
        print(f"  {objective.name}: {score:.4g}")
    print(f"visualization (PNG grid): {path}")
    return 0


def _style(content: str, style: str) -> int:
    """`tfxlearn style CONTENT STYLE`: Gatys et al.'s style transfer to a PNG."""
    import tensorflow as tf

    from tfxlearn import style as style_lib

    out = FLAGS.out or os.path.join(os.getcwd(), "stylized.png")
    size, style_size = (64, 64) if FLAGS.smoke else (FLAGS.size, FLAGS.style_size)
    try:
        if FLAGS.steps < 1:
            raise ValueError(f"--steps must be >= 1, got {FLAGS.steps}")
        check_writable(os.path.dirname(os.path.abspath(out)), "out")
        content_image = style_lib.load_image(content, size=size, channels=3)
        style_image = style_lib.load_image(style, size=style_size, channels=3)
        content_image = content_image[
            : content_image.shape[0] // 4 * 4, : content_image.shape[1] // 4 * 4
        ]
        result = style_lib.transfer(
            content_image,
            style_image,
            extractor=FLAGS.extractor,
            content_weight=FLAGS.content_weight,
            style_weight=FLAGS.style_weight,
            tv_weight=FLAGS.tv_weight,
            steps=5 if FLAGS.smoke else FLAGS.steps,
            optimizer=FLAGS.optimizer,
            learning_rate=FLAGS.learning_rate,
            seed=FLAGS.seed,
            show_progress=True,
        )
    except ValueError as error:
        raise UserError(str(error)) from None
    pixels = tf.cast(tf.round(result.images[0] * 255.0), tf.uint8)
    tf.io.write_file(out, tf.io.encode_png(pixels))
    print(
        f"style: {result.extractor}, content {result.content_layers}, style {result.style_layers}"
    )
    for when, terms in (("before", result.before), ("after", result.after)):
        shown = ", ".join(f"{k} {float(v[0]):.4g}" for k, v in terms.items())
        print(f"  {when}: {shown}")
    print(f"stylized image (PNG): {out}")
    return 0


def _transfer(source: str) -> int:
    """`tfxlearn transfer SOURCE --dataset=NAME`: a classifier from a pretrained encoder."""
    import numpy as np

    from tfxlearn import evaluation, export, pipeline, transfer

    if not FLAGS.dataset:
        raise UserError("transfer needs --dataset, e.g. --dataset=digits")
    try:
        image_size = None
        if FLAGS.image_size:
            image_size = tuple(int(d) for d in FLAGS.image_size.split(","))
    except ValueError:
        raise UserError(
            f"--image_size must be H,W,C like 28,28,1, got {FLAGS.image_size!r}"
        ) from None
    if FLAGS.export_root:
        check_writable(FLAGS.export_root, "export_root")
    try:
        if pipeline.is_run_dir(source):
            encoder = pipeline.trained_network(pipeline.load_trained(source), FLAGS.net)
        else:
            weights = None if FLAGS.weights.lower() == "none" else FLAGS.weights
            encoder = transfer.load_encoder(source, input_shape=image_size, weights=weights)
        limits = {"max_train": 200, "max_test": 100} if FLAGS.smoke else {}
        data = evaluation.EvalData(FLAGS.dataset, image_size=image_size, **limits)
        images, labels = data.train
        if FLAGS.labels_per_class:
            index = evaluation.balanced_subset(
                labels, FLAGS.labels_per_class, data.num_classes, FLAGS.seed
            )
            images, labels = images[index], labels[index]
        rate = FLAGS.learning_rate if FLAGS["learning_rate"].present else 1e-3
        print(
            f"transfer: {encoder.name} -> {FLAGS.dataset} ({len(labels)} labels), "
            f"mode {FLAGS.mode}, learning rate {rate:g}"
        )
        budget = {"epochs": 1, "head_steps": 2} if FLAGS.smoke else {"epochs": FLAGS.epochs}
        classifier = transfer.fit(
            encoder,
            (images, labels),
            FLAGS.mode,
            num_classes=data.num_classes,
            learning_rate=rate,
            seed=FLAGS.seed,
            **budget,
        )
    except ValueError as error:
        raise UserError(str(error)) from None
    test_images, test_labels = data.test
    logits = classifier.predict(test_images.astype("float32") / 255.0, verbose=0)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == test_labels))
    print(f"test accuracy on {FLAGS.dataset}: {100 * accuracy:.1f}%")
    if FLAGS.export_root:
        name = f"{encoder.name}_{FLAGS.dataset}_{FLAGS.mode}"
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        path = export.export_saved_model(classifier, FLAGS.export_root, model_name=name)
        print(f"exported (SavedModel, output 'output' = logits): {path}")
    return 0


def _default_png(source: str, run_dir: bool) -> str:
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in FLAGS.objective)[:80]
    name = f"visualize_{slug}.png"
    if run_dir:
        return os.path.join(source, "plots", name)
    return os.path.join(os.getcwd(), name)


def main(argv: list[str]) -> int:
    """Runs a command; a `UserError` (or absl's `UsageError`) prints one line and
    returns 2, with the traceback only when `--verbosity` is 1 or more."""
    try:
        return _main(argv)
    except (UserError, app.UsageError) as error:
        if FLAGS.verbosity >= 1:
            raise
        print(f"tfxlearn: {error}", file=sys.stderr)
        return USAGE_ERROR


def quiet() -> None:
    """The default console: progress bars, one line per stage, the results and
    where outputs went. `--verbosity=0` (or higher) brings back the INFO logs of
    absl, TensorFlow and TFDS, and TFDS's own progress bars; TensorFlow's C++
    logs come back with TF_CPP_MIN_LOG_LEVEL=0 in the environment."""
    if FLAGS["verbosity"].present:
        return
    import tensorflow as tf
    import tensorflow_datasets as tfds
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.WARNING)
    tf.get_logger().setLevel("ERROR")  # e.g. "Using MirroredStrategy with devices ..."
    tfds.disable_progress_bar()  # tfxlearn's builders show their own progress


def _main(argv: list[str]) -> int:
    quiet()
    args = argv[1:]
    if not args or args[0] in ("help", "-h"):
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "list" and not rest:
        _list()
        return 0
    if command == "run" and len(rest) == 1:
        return _run(rest[0])
    if command == "visualize" and len(rest) == 1:
        return _visualize(rest[0])
    if command == "style" and len(rest) == 2:
        return _style(*rest)
    if command == "transfer" and len(rest) == 1:
        return _transfer(rest[0])
    print(f"tfxlearn: cannot parse {' '.join(args)!r}\n{USAGE}", file=sys.stderr)
    return 2


def run_main() -> None:
    # absl answers --help with the usage of the `__main__` module: the console
    # script's, which has none ("USAGE: tfxlearn [flags]"); give tfxlearn's own.
    if any(a in HELP_FLAGS for a in sys.argv[1:]):
        print(USAGE)
        return
    # absl knows no --config.* flags: take them out before it parses the rest.
    _overrides[:] = [a[len(CONFIG_PREFIX) :] for a in sys.argv[1:] if a.startswith(CONFIG_PREFIX)]
    argv = [a for a in sys.argv if not a.startswith(CONFIG_PREFIX)]
    app.run(main, argv=argv)


if __name__ == "__main__":
    run_main()
