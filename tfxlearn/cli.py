"""The `tfxlearn` command.

tfxlearn list                              paradigms, pretext ops, datasets, pipelines
tfxlearn run PIPELINE [--smoke] [--run_dir=DIR] [--export_root=DIR]
"""

from __future__ import annotations

import sys

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_bool("smoke", False, "Run the pipeline's tiny smoke configuration.")
flags.DEFINE_string("run_dir", None, "Run directory (rerun with the same one to resume).")
flags.DEFINE_string("runs_root", "runs", "Parent of new run directories.")
flags.DEFINE_string("export_root", None, "Override the pipeline's SavedModel export root.")

USAGE = __doc__


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


def _run(name: str) -> None:
    from tfxlearn import pipeline

    config = pipeline.load_config(name, smoke=FLAGS.smoke)
    result = pipeline.run(
        config, runs_root=FLAGS.runs_root, run_dir=FLAGS.run_dir, export_root=FLAGS.export_root
    )
    m = result.metrics
    print()
    print(f"{config['name']} - test accuracy (%) on {config['dataset']['name']}:")
    print(m["table"])
    print()
    print(f"blessing: {'BLESSED' if m['blessed'] else 'NOT blessed'} ({m['blessing']})")
    if result.export_path:
        print(f"SavedModel (TF Serving layout): {result.export_path}")
    else:
        print("SavedModel: not exported (the model was not blessed)")
    print(f"plots: {', '.join(result.plots.values())}")
    print(f"run directory (config.json, metrics.json, tensorboard/): {result.run_dir}")
    timings = ", ".join(f"{k} {v:.0f} s" for k, v in m["seconds"].items())
    print(f"time: {timings}")


def main(argv: list[str]) -> int:
    args = argv[1:]
    if not args or args[0] in ("help", "-h"):
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "list" and not rest:
        _list()
        return 0
    if command == "run" and len(rest) == 1:
        _run(rest[0])
        return 0
    print(f"tfxlearn: cannot parse {' '.join(args)!r}\n{USAGE}", file=sys.stderr)
    return 2


def run_main() -> None:
    app.run(main)


if __name__ == "__main__":
    run_main()
