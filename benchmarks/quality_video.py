"""Quality benchmark of the video and audio-visual paradigms (issue 5).

Each pipeline (`pipelines/<method>_<dataset>.py`, `get_config(full=True)`: the
benchmark budget, as in `quality.py`; the default config trains about half as
long) pretrains on its dataset and is evaluated by the pipeline's own Evaluator:
the frozen encoder protocols (linear probe of the digit, and on moving_digits
of the motion direction) beside a random-initialised encoder of the same
architecture and the same architecture trained with all labels, computed by
the same code in the same run; and the method's model protocols (frame
prediction vs copy-last-frame, correspondence, retrieval, synchronization).

    python benchmarks/quality_video.py                 # every pipeline below
    python benchmarks/quality_video.py av_sync_moving_digits ...
    python benchmarks/quality_video.py --seeds 0,1,2 l3_net_spoken_digits_av

Results: benchmarks/results/quality_video_<pipeline>.json, rendered into
docs/video.md by render_readme.py. `--seeds` reruns the whole pipeline (pretraining,
baselines, evaluation) once per seed (`config["seed"]`: weights, pretext draws,
shuffling): the pipeline's own seed writes the main file, every other seed
`quality_video_<pipeline>_seed<N>.json`; docs/video.md's spread table shows them
side by side, so a target missed or met by less than the run-to-run spread is
visible as such.
"""

from __future__ import annotations

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import begin, parse_seeds, seeded, write_result  # noqa: E402

from tfxlearn import pipeline  # noqa: E402
from tfxlearn.progress import progress  # noqa: E402

PIPELINES = (
    "shuffle_and_learn_moving_digits",
    "odd_one_out_moving_digits",
    "sequence_sorting_moving_digits",
    "arrow_of_time_moving_digits",
    "slow_steady_moving_digits",
    "composite_lstm_moving_digits",
    "next_frame_prediction_moving_digits",
    "av_sync_moving_digits",
    "l3_net_spoken_digits_av",
    "ave_net_spoken_digits_av",
)


def run_pipeline(name: str, seed: int | None = None) -> dict:
    config = pipeline.load_config(name, full=True)
    result_name = seeded(config, f"quality_video_{name}", seed)
    with tempfile.TemporaryDirectory() as export_root:
        result = pipeline.run(config, runs_root="runs/bench", export_root=export_root, verbose=2)
    m = result.metrics
    print(m["table"], flush=True)
    payload = {
        "pipeline": config["name"],
        "method": config["paradigm"]["name"],
        "dataset": config["dataset"]["name"],
        "config": config,
        "results": m["results"],
        "model_results": m["model_results"],
        "blessed": m["blessed"],
        "blessing": m["blessing"],
        "history": m["history"],
        "seconds": m["seconds"],
        "run_dir": result.run_dir,
    }
    write_result(result_name, payload)
    return payload


def main(argv):
    seeds, argv = parse_seeds(argv)
    names = argv or list(PIPELINES)
    known = set(pipeline.available_pipelines())
    unknown = sorted(set(names) - known)
    if unknown:
        raise SystemExit(f"unknown pipeline(s) {unknown}; known: {', '.join(sorted(known))}")
    runs = [(n, s) for n in names for s in seeds]
    for name, seed in progress(runs, total=len(runs), desc="video pipelines", unit="run"):
        run_pipeline(name, seed)


if __name__ == "__main__":
    sys.argv[1:] = begin(sys.argv[1:])
    main(sys.argv[1:])
