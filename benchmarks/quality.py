"""Quality benchmark (`make bench`): the demo pipeline's table at its full budget.

Runs `pipelines/rotation_fashion_mnist.py` with get_config(full=True) - the demo's
pipeline with a 2-epoch all-labels baseline instead of 1 - rotation pretraining
on all 60,000 Fashion-MNIST training images, then linear probe and weighted kNN
(k=20) on the test split for the
random-init encoder, the rotation encoder and the all-labels encoder - and
writes benchmarks/results/quality_rotation_fashion_mnist.json.
"""

from __future__ import annotations

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import write_result  # noqa: E402

from tfxlearn import pipeline  # noqa: E402

NAME = "rotation_fashion_mnist"


def main():
    config = pipeline.load_config(NAME, full=True)
    with tempfile.TemporaryDirectory() as export_root:
        result = pipeline.run(config, runs_root="runs/bench", export_root=export_root, verbose=2)
    print(result.metrics["table"])
    m = result.metrics
    write_result(
        f"quality_{NAME}",
        {
            "pipeline": NAME,
            "config": config,
            "results": m["results"],
            "table": m["table"],
            "seconds": m["seconds"],
            "run_dir": result.run_dir,
        },
    )


if __name__ == "__main__":
    main()
