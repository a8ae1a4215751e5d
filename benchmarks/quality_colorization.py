"""Quality benchmark for colorization (Zhang et al., ECCV 2016) on `skimage_photos`.

Runs `pipelines/colorization_skimage_photos.py` get_config(full=True) once:
pretraining on the 3,200 RGB train crops, then the frozen encoder, a random-init
encoder and the all-labels encoder are compared on the 800 test crops' lightness
(linear probe, weighted kNN k=20). Colorization needs RGB, so it cannot share
the Fashion-MNIST table of benchmarks/quality.py.

    python benchmarks/quality_colorization.py

Results: benchmarks/results/quality_colorization_skimage_photos.json, plus the
run's pretext-examples and training-curves plots copied to
benchmarks/results/colorization_examples.png and colorization_loss.png.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import RESULTS, begin, write_result  # noqa: E402

from tfxlearn import pipeline  # noqa: E402

PIPELINE = "colorization_skimage_photos"


def main() -> None:
    config = pipeline.load_config(PIPELINE, full=True)
    with tempfile.TemporaryDirectory() as export_root:
        result = pipeline.run(config, runs_root="runs/bench", export_root=export_root, verbose=2)
    m = result.metrics
    print(m["table"])
    write_result(
        f"quality_{PIPELINE}",
        {
            "pipeline": config["name"],
            "config": config,
            "results": m["results"],
            "table": m["table"],
            "history": m["history"],
            "seconds": m["seconds"],
            "run_dir": result.run_dir,
        },
    )
    for plot, name in (
        ("pretext_examples", "colorization_examples.png"),
        ("training_curves", "colorization_loss.png"),
    ):
        shutil.copyfile(result.plots[plot], os.path.join(RESULTS, name))
        print(f"wrote {os.path.join(RESULTS, name)}")


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main()
