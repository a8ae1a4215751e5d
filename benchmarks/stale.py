"""Which result files no longer identify the code behind them (`render_readme.py --check`).

A result file is listed when:

- `dirty`: it was written from a checkout with uncommitted changes;
- `unknown commit`: its stamp names no commit of this repository's history;
- `stale`: code it measures changed after its stamp: the benchmark script that
  writes it, the pipeline file whose config it ran (not for the selections,
  whose outcome is then written into that file), or a
  library module named below for that benchmark. Docstrings and comments are
  ignored (a pipeline's docstring quoting the result must not make it stale):
  the files are compared as Python syntax trees without docstrings.

Library code elsewhere in `tfxlearn/` is not tracked here: the tests guard it,
and a refactor that keeps every test green is not a reason to rerun hours of
benchmarks.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import subprocess

from renderers.image import METHODS as IMAGE_METHODS  # the image quality table's methods

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# result-file prefix -> benchmark script(s) and library modules behind it;
# the longest matching prefix wins.
SOURCES = {
    "quality_video_": ["benchmarks/quality_video.py"],
    "quality_colorization": ["benchmarks/quality_colorization.py"],
    "quality_adaptation": [
        "benchmarks/quality_adaptation.py",
        "tfxlearn/paradigms/adaptation/dann.py",
        "tfxlearn/paradigms/base_adaptation.py",
        "tfxlearn/nets/gradient_reversal.py",
        "tfxlearn/data/domains.py",
        "tfxlearn/data/font_digits.py",
    ],
    "quality_adaptation_simgan": [
        "benchmarks/quality_adaptation.py",
        "tfxlearn/paradigms/adaptation/simgan.py",
        "tfxlearn/paradigms/adaptation/dann.py",
        "tfxlearn/paradigms/base_adversarial.py",
        "tfxlearn/paradigms/base_adaptation.py",
        "tfxlearn/nets/image_history.py",
        "tfxlearn/losses/gan_discriminator.py",
        "tfxlearn/losses/gan_generator.py",
        "tfxlearn/losses/cycle_consistency.py",
        "tfxlearn/data/domains.py",
        "tfxlearn/data/font_digits.py",
    ],
    "quality_adaptation_adda": [
        "benchmarks/quality_adaptation.py",
        "tfxlearn/paradigms/adaptation/adda.py",
        "tfxlearn/paradigms/base_feature_adaptation.py",
        "tfxlearn/paradigms/base_adversarial.py",
        "tfxlearn/paradigms/base_adaptation.py",
        "tfxlearn/losses/gan_discriminator.py",
        "tfxlearn/losses/gan_generator.py",
        "tfxlearn/nets/gradient_reversal.py",
        "tfxlearn/data/domains.py",
        "tfxlearn/data/font_digits.py",
    ],
    "quality_blind": [
        "benchmarks/quality_blind.py",
        "tfxlearn/paradigms/adaptation/blind_representation.py",
        "tfxlearn/nets/gradient_reversal.py",
        "tfxlearn/nets/tabular.py",
        "tfxlearn/evaluation/fairness.py",
        "tfxlearn/data/adult.py",
    ],
    "quality_cycada": [
        "benchmarks/quality_cycada.py",
        "benchmarks/quality_adaptation.py",
        "tfxlearn/paradigms/adaptation/cycada.py",
        "tfxlearn/paradigms/adaptation/dann.py",
        "tfxlearn/paradigms/base_adaptation.py",
        "tfxlearn/paradigms/base_feature_adaptation.py",
        "tfxlearn/paradigms/base_translation.py",
        "tfxlearn/paradigms/base_adversarial.py",
        "tfxlearn/losses/semantic_consistency.py",
        "tfxlearn/losses/least_squares_gan.py",
        "tfxlearn/losses/cycle_consistency.py",
        "tfxlearn/losses/gan_discriminator.py",
        "tfxlearn/losses/gan_generator.py",
        "tfxlearn/nets/translation.py",
        "tfxlearn/nets/image_history.py",
        "tfxlearn/nets/gradient_reversal.py",
        "tfxlearn/data/domains.py",
        "tfxlearn/data/font_digits.py",
    ],
    "quality_attention_cycle_gan": [
        "benchmarks/quality_attention_cycle_gan.py",
        "pipelines/attention_cycle_gan_textured_digits.py",
        "tfxlearn/paradigms/dual/attention_cycle_gan.py",
        "tfxlearn/paradigms/base_translation.py",
        "tfxlearn/paradigms/base_adversarial.py",
        "tfxlearn/nets/attention_translation.py",
        "tfxlearn/nets/translation.py",
        "tfxlearn/nets/image_history.py",
        "tfxlearn/losses/least_squares_gan.py",
        "tfxlearn/losses/cycle_consistency.py",
        "tfxlearn/data/unpaired.py",
        "tfxlearn/data/textured_digits.py",
        "tfxlearn/evaluation/attention_masks.py",
    ],
    "quality_translation": [
        "benchmarks/quality_translation.py",
        "pipelines/cycle_gan_font_digits.py",
        "tfxlearn/paradigms/dual/cycle_gan.py",
        "tfxlearn/paradigms/base_translation.py",
        "tfxlearn/nets/translation.py",
        "tfxlearn/nets/image_history.py",
        "tfxlearn/losses/least_squares_gan.py",
        "tfxlearn/losses/cycle_consistency.py",
        "tfxlearn/data/unpaired.py",
        "tfxlearn/data/font_digits.py",
        "tfxlearn/evaluation/translation.py",
    ],
    "quality_siamese": [
        "benchmarks/quality_siamese.py",
        "tfxlearn/paradigms/metric/siamese.py",
        "tfxlearn/losses/contrastive.py",
        "tfxlearn/losses/triplet.py",
        "tfxlearn/pretext/class_pairs.py",
        "tfxlearn/pretext/class_triplets.py",
        "tfxlearn/evaluation/verification.py",
    ],
    "quality_transfer": [
        "benchmarks/quality_transfer.py",
        "pipelines/moco_fashion_mnist.py",
        "tfxlearn/transfer/fit.py",
        "tfxlearn/transfer/blocks.py",
        "tfxlearn/evaluation/finetuning.py",
    ],
    "quality_adversarial": [
        "benchmarks/quality_adversarial.py",
        "pipelines/adversarial_training_fashion_mnist.py",
        "tfxlearn/attacks.py",
        "tfxlearn/paradigms/supervised/adversarial_training.py",
    ],
    "quality_word2vec": [
        "benchmarks/quality_word2vec.py",
        "pipelines/word2vec_bible.py",
        "tfxlearn/evaluation/word_similarity.py",
        "tfxlearn/paradigms/text/word2vec.py",
        "tfxlearn/pretext/skip_gram.py",
        "tfxlearn/pretext/cbow.py",
        "tfxlearn/losses/negative_sampling.py",
        "tfxlearn/data/text.py",
    ],
    "quality_lm": [
        "benchmarks/quality_lm.py",
        "benchmarks/text_runs.py",
        "pipelines/lm_bible.py",
        "tfxlearn/data/subword.py",
        "tfxlearn/paradigms/text/language_model.py",
        "tfxlearn/nets/transformer.py",
        "tfxlearn/pretext/next_token.py",
        "tfxlearn/losses/token_cross_entropy.py",
        "tfxlearn/evaluation/kneser_ney.py",
        "tfxlearn/evaluation/perplexity.py",
        "tfxlearn/data/text.py",
        "tfxlearn/paradigms/base_text.py",
    ],
    "quality_dual_translation": [
        "benchmarks/quality_dual_translation.py",
        "benchmarks/text_runs.py",
        "pipelines/dual_translation_bible.py",
        "tfxlearn/data/subword.py",
        "tfxlearn/paradigms/dual/dual_translation.py",
        "tfxlearn/nets/transformer.py",
        "tfxlearn/pretext/dual_corpus.py",
        "tfxlearn/evaluation/text_translation.py",
        "tfxlearn/losses/token_cross_entropy.py",
        "tfxlearn/data/text.py",
    ],
    "quality_mlm": [
        "benchmarks/quality_mlm.py",
        "benchmarks/text_runs.py",
        "pipelines/mlm_bible.py",
        "tfxlearn/paradigms/text/masked_language_model.py",
        "tfxlearn/paradigms/base_text.py",
        "tfxlearn/nets/transformer.py",
        "tfxlearn/pretext/masked_tokens.py",
        "tfxlearn/evaluation/masked_tokens.py",
        "tfxlearn/losses/token_cross_entropy.py",
        "tfxlearn/data/text.py",
        "tfxlearn/data/subword.py",
    ],
    "quality_pix2pix": [
        "benchmarks/quality_pix2pix.py",
        "pipelines/pix2pix_fashion_mnist.py",
        "tfxlearn/paradigms/dual/pix2pix.py",
        "tfxlearn/nets/translation.py",
    ],
    "quality_style": [
        "benchmarks/quality_style.py",
        "pipelines/fast_style_skimage_photos.py",
        "tfxlearn/paradigms/style/fast_style.py",
    ],
    "quality_baselines_": ["benchmarks/quality.py"],
    "quality_": ["benchmarks/quality_generative.py"],  # image methods: see measured_files
    "layerwise_": ["benchmarks/layerwise_probe.py", "benchmarks/quality.py"],
    "low_shot_protocols": ["benchmarks/low_shot_protocols.py", "tfxlearn/evaluation/finetuning.py"],
    "gan_fd_curve": ["benchmarks/gan_fd_curve.py"],
    "step_overhead": ["benchmarks/step_overhead.py"],
    "speed": ["benchmarks/speed.py"],
    "epoch_share": ["benchmarks/epoch_share.py", "tfxlearn/pipeline/components.py"],
    # every pretext op it times, with its case file (benchmarks/ops/<op>.py)
    "op_speed": [
        "benchmarks/op_speed.py",
        "benchmarks/ops/_common.py",
        *(
            path
            for case in sorted(glob.glob(os.path.join(HERE, "ops", "[!_]*.py")))
            for path in (
                f"benchmarks/ops/{os.path.basename(case)}",
                f"tfxlearn/pretext/{os.path.basename(case)}",
            )
        ),
    ],
    "data_service": ["benchmarks/data_service_throughput.py"],
    "fault_soak": ["benchmarks/fault_soak.py", "benchmarks/fault_soak_child.py"],
    "select_": ["benchmarks/selection.py"],
    "precision_": [
        "benchmarks/precision.py",
        "benchmarks/selection.py",
        "tfxlearn/pipeline/components.py",
    ],
    "peers": [
        "benchmarks/peers_speed.py",
        "benchmarks/peers/torch_steps.py",
        "benchmarks/peers/torch_pipelines.py",
    ],
    "peers_moco": ["benchmarks/peers_moco.py", "benchmarks/peers/lightly_moco.py"],
    "feature_visualization": [
        "benchmarks/feature_visualization.py",
        "tfxlearn/visualize/objectives.py",
        "tfxlearn/visualize/parametrizations.py",
        "tfxlearn/visualize/transforms.py",
        "tfxlearn/visualize/render.py",
        "tfxlearn/evaluation/finetuning.py",
    ],
}


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def _code(source: str) -> str:
    """`source`'s syntax tree without docstrings (comments are not in the tree)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def changed_since(commit: str, path: str) -> bool:
    """Whether `path`'s code (docstrings aside) differs between `commit` and the work tree."""
    old = _git("show", f"{commit}:{path}")
    full = os.path.join(ROOT, path)
    if old.returncode != 0:  # the file did not exist at that commit
        return True
    if not os.path.isfile(full):
        return True
    with open(full) as f:
        new = f.read()
    if not path.endswith(".py"):
        return old.stdout != new
    try:
        return _code(old.stdout) != _code(new)
    except SyntaxError:
        return old.stdout != new


def pipeline_blocks(path: str) -> list[str]:
    """The `tfxlearn/pipeline/` modules a pipeline file imports config blocks from
    (`from tfxlearn.pipeline import font_digits as blocks`): its config is made
    by them, so they count as its code."""
    try:
        with open(os.path.join(ROOT, path)) as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError):
        return []
    modules = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "tfxlearn.pipeline":
            modules += [f"tfxlearn/pipeline/{alias.name}.py" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "tfxlearn.pipeline."
        ):
            modules.append(node.module.replace(".", "/") + ".py")
    return [m for m in modules if os.path.isfile(os.path.join(ROOT, m))]


def measured_files(name: str, result: dict) -> list[str]:
    """The files whose code the result file `name` measured."""
    prefix = max((p for p in SOURCES if name.startswith(p)), key=len, default=None)
    files = list(SOURCES.get(prefix, []))
    if name in {f"quality_{m}_fashion_mnist" for m in IMAGE_METHODS}:
        files = ["benchmarks/quality.py"]
    if name.startswith("select_"):
        # A selection's outcome is written into its pipeline's defaults afterwards:
        # that edit must not make the selection stale (its candidates are explicit).
        return sorted(files)
    pipeline = result.get("pipeline") or (result.get("config") or {}).get("name")
    if pipeline is None and name.startswith(("quality_baselines_", "layerwise_baselines_")):
        pipeline = "rotation_fashion_mnist"  # the baselines' encoder and data come from it
    if pipeline is None and name.startswith("layerwise_"):
        pipeline = name[len("layerwise_") :]
    if pipeline and os.path.isfile(os.path.join(ROOT, "pipelines", f"{pipeline}.py")):
        files.append(f"pipelines/{pipeline}.py")
    # step_overhead / fault_soak / gan_fd_curve name their pipelines inside the script
    for path in [f for f in files if f.startswith("pipelines/")]:
        files += pipeline_blocks(path)
    return sorted(set(files))


def problems(name: str, result: dict) -> list[str]:
    """Why result file `name` cannot be trusted as it stands ([] when it can)."""
    found = []
    if result.get("dirty"):
        found.append("dirty")
    commit = result.get("commit", "unknown")
    if commit == "unknown" or _git("cat-file", "-e", f"{commit}^{{commit}}").returncode != 0:
        return [*found, "unknown commit"]
    changed = [f for f in measured_files(name, result) if changed_since(commit, f)]
    if changed:
        found.append(f"stale ({', '.join(changed)} changed since {commit})")
    return found


def command(name: str, results_dir: str = os.path.join(HERE, "results")) -> str | None:
    """The command line that wrote result file `name` (recorded since the stamps
    carry it), or None."""
    try:
        with open(os.path.join(results_dir, f"{name}.json")) as f:
            return json.load(f).get("command") or None
    except (OSError, ValueError):
        return None


def report(results_dir: str = os.path.join(HERE, "results")) -> dict[str, list[str]]:
    """`{result file name: problems}` for every result file with a problem."""
    out = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path) as f:
            found = problems(name, json.load(f))
        if found:
            out[name] = found
    return out
