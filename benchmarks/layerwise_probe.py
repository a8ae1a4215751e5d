"""Layer-wise linear probe of the image self-supervision encoders (issue 3's "why").

The quality table probes the encoder's output (its last block, globally average
pooled). This benchmark probes each block's last activation instead, globally
average pooled and average pooled to a 2x2 grid (Goyal et al., ICCV 2019 style),
with the layer chosen on the probe's validation split
(`tfxlearn.evaluation.layerwise_probe`). It pretrains each method at the same
full budget as `quality.py` and shares its baselines' definitions: random-init
and all labels (same architecture, same supervised epochs).

    python benchmarks/layerwise_probe.py                      # baselines + every method
    python benchmarks/layerwise_probe.py rotation jigsaw      # some methods
    python benchmarks/layerwise_probe.py --baselines rotation # recompute the baselines

Results: benchmarks/results/layerwise_baselines_fashion_mnist.json and
layerwise_<method>_fashion_mnist.json, rendered into docs/image.md by render_readme.py.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import quality  # noqa: E402
from common import begin  # noqa: E402

PROTOCOLS = {
    "linear_probe": {},
    "layerwise_probe": {"grid": 1},
    "layerwise_probe/2x2": {"grid": 2},
}
BASELINES = "layerwise_baselines_fashion_mnist"


def main(argv):
    quality.main(argv, PROTOCOLS, BASELINES, tuple(PROTOCOLS), prefix="layerwise")


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main(sys.argv[1:])
