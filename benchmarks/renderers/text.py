"""Text family: the word2vec-vs-gensim table (benchmarks/quality_word2vec.py)."""

from __future__ import annotations

from renderers.common import load, not_measured, stamp

COMMAND = "python benchmarks/quality_word2vec.py --seeds 0,1,2"


def _pm(summary, scale=1.0, digits=3):
    return f"{summary['mean'] * scale:.{digits}f} ± {summary['sd'] * scale:.{digits}f}"


def word2vec_table():
    r = load("quality_word2vec")
    if r is None:
        return not_measured(COMMAND, "estimated 2-4 minutes per seed on 2 CPU cores")
    seeds = ", ".join(str(run["seed"]) for run in r["runs"])
    lines = [
        f"_{stamp(r)}; {r['epochs']} epochs over {r['train_tokens']:,} training tokens, "
        f"seeds {seeds} (mean ± sd)._",
        "",
        "| | WordSim353 ρ | SimLex-999 ρ | analogy accuracy | analogy OOV | words/s |",
        "|---|---|---|---|---|---|",
    ]
    for side in ("tfxlearn", "gensim"):
        s = r["summary"][side]
        oov = r["runs"][0][side]["analogy_oov_rate"]
        lines.append(
            f"| {side} | {_pm(s['wordsim353_spearman'])} | {_pm(s['simlex999_spearman'])} | "
            f"{_pm(s['analogy_accuracy'])} | {100 * oov:.1f}% | "
            f"{_pm(s['words_per_second'], digits=0)} |"
        )
    ratio = r["words_per_second_ratio"]
    lines += ["", f"Throughput ratio tfxlearn / gensim: {_pm(ratio, digits=3)}."]
    return "\n".join(lines)


def headline() -> str:
    """README: Spearman on WordSim353 and SimLex-999 against gensim's, same tokens and epochs."""
    r = load("quality_word2vec")
    if r is None:
        return "not measured"
    cells, met = [], True
    for key, label in (("wordsim353_spearman", "WordSim353"), ("simlex999_spearman", "SimLex")):
        ours = r["summary"]["tfxlearn"][key]["mean"]
        peer = r["summary"]["gensim"][key]["mean"]
        met = met and ours >= peer - 0.03
        cells.append(f"{label} ρ {ours:.3f} vs gensim {peer:.3f}")
    mark = "✓" if met else "✗"
    return f"{', '.join(cells)} {mark} (target: within 0.03 of gensim)"


SECTIONS = {"word2vec-gensim": word2vec_table}
PARADIGM_ROWS = (
    (
        "self-supervised, text",
        "text",
        "docs/text.md",
        (("word2vec", "word2vec, skip-gram with negative sampling (Mikolov et al. 2013)"),),
    ),
)
HEADLINES = {"word2vec": headline}
