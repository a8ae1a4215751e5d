"""Text family: the word2vec-vs-gensim table (benchmarks/quality_word2vec.py),
the language-model-vs-Kneser-Ney perplexity table (benchmarks/quality_lm.py),
the masked-language-model table (benchmarks/quality_mlm.py) and the
dual-learning translation table (benchmarks/quality_dual_translation.py)."""

from __future__ import annotations

from renderers.common import load, not_measured, stamp

COMMAND = "python benchmarks/quality_word2vec.py --seeds 0,1,2"
CBOW_COMMAND = "python benchmarks/quality_word2vec.py --mode cbow --seeds 0,1,2"
LM_COMMAND = "python benchmarks/quality_lm.py --seeds 0,1,2"
MLM_COMMAND = "python benchmarks/quality_mlm.py --seeds 0,1,2"
DUAL_COMMAND = "python benchmarks/quality_dual_translation.py --seeds 0,1,2"
DUAL_ARMS = (
    ("warm start", "warm start: 10% of the training verses, parallel"),
    ("warm start + dual", "warm start + dual game on the monolingual halves"),
    ("100% parallel", "100% of the training verses, parallel (supervised)"),
)


def _pm(summary, scale=1.0, digits=3):
    return f"{summary['mean'] * scale:.{digits}f} ± {summary['sd'] * scale:.{digits}f}"


def word2vec_table(name: str = "quality_word2vec", command: str = COMMAND):
    r = load(name)
    if r is None:
        return not_measured(command, "estimated 2-4 minutes per seed on 2 CPU cores")
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


def cbow_table():
    return word2vec_table("quality_word2vec_cbow", CBOW_COMMAND)


def _against_gensim(r) -> str:
    cells, met = [], True
    for key, label in (("wordsim353_spearman", "WordSim353"), ("simlex999_spearman", "SimLex")):
        ours = r["summary"]["tfxlearn"][key]["mean"]
        peer = r["summary"]["gensim"][key]["mean"]
        met = met and ours >= peer - 0.03
        cells.append(f"{label} ρ {ours:.3f} vs gensim {peer:.3f}")
    return f"{', '.join(cells)} {'✓' if met else '✗'}"


def headline() -> str:
    """README: Spearman on WordSim353 and SimLex-999 against gensim's, same tokens and
    epochs; skip-gram, then CBOW once measured."""
    r = load("quality_word2vec")
    if r is None:
        return "not measured"
    text = f"skip-gram: {_against_gensim(r)}"
    cbow = load("quality_word2vec_cbow")
    if cbow is not None:
        text += f"; CBOW: {_against_gensim(cbow)}"
    return f"{text} (target: within 0.03 of gensim)"


def lm_table():
    r = load("quality_lm")
    if r is None:
        return not_measured(LM_COMMAND, "estimated 2-5 hours on 2 idle CPU cores")
    choice, runs = r["choice"], r["runs"]
    first = runs[0]
    seeds = ", ".join(str(run["seed"]) for run in runs)
    ppl = r["summary"]["model_perplexity"]
    lines = [
        f"_{stamp(r)}; held-out perplexity on the {first['test_texts']:,} verses of the 11 "
        f"test books ({first['test_tokens']:,} tokens, each verse's end-of-text token "
        f"counted, {100 * first['unknown_rate']:.1f}% unknown-word tokens), vocabulary of "
        f"{first['vocabulary_size']:,} words + unknown + end of text; seeds {seeds} "
        "(mean ± sd). Size, epochs and n-gram order chosen on the validation carve._",
        "",
        "| model | perplexity |",
        "|---|---|",
        f"| Transformer decoder {choice['dim']} wide x {choice['depth']} blocks, "
        f"{choice['epochs']} epochs | {ppl['mean']:.2f} ± {ppl['sd']:.2f} |",
    ]
    for order, value in sorted(first["kn_perplexity_by_order"].items()):
        chosen = " (chosen on validation)" if int(order) == choice["kn_order"] else ""
        name = f"Kneser-Ney (interpolated, modified), order {order}{chosen}"
        lines.append(f"| {name} | {value:.2f} |")
    below = r["summary"]["seeds_below_kn"]
    lines += ["", f"Seeds below the chosen n-gram model: {below} of {len(runs)}."]
    return "\n".join(lines)


def lm_headline() -> str:
    """README: the Transformer's held-out perplexity against the Kneser-Ney model's."""
    r = load("quality_lm")
    if r is None:
        return "not measured"
    ours = r["summary"]["model_perplexity"]["mean"]
    kn = r["summary"]["kn_perplexity"]
    mark = "✓" if ours < kn else "✗"
    order = r["choice"]["kn_order"]
    return (
        f"perplexity {ours:.1f} vs Kneser-Ney order {order} {kn:.1f} {mark} "
        "(target: below the n-gram model)"
    )


def mlm_table():
    r = load("quality_mlm")
    if r is None:
        return not_measured(MLM_COMMAND, "estimated 3-6 hours on 2 idle CPU cores")
    choice, runs, s = r["choice"], r["runs"], r["summary"]
    first = runs[0]
    seeds = ", ".join(str(run["seed"]) for run in runs)
    acc, ce = s["model_accuracy"], s["model_cross_entropy"]
    lines = [
        f"_{stamp(r)}; masked-token prediction on the {first['test_texts']:,} verses of the "
        f"11 test books ({first['masked_tokens']:,} hidden word tokens, ~15%, each replaced "
        f"by the mask), vocabulary of {first['vocabulary_size']:,} words + unknown; "
        f"seeds {seeds} (mean ± sd). Size and epochs chosen on the validation carve._",
        "",
        "| model | masked-token accuracy | cross-entropy (nats) |",
        "|---|---|---|",
        f"| Transformer encoder {choice['dim']} wide x {choice['depth']} blocks, "
        f"{choice['epochs']} epochs | {_pm(acc, digits=4)} | {_pm(ce)} |",
        f"| unigram (training word frequencies) | {s['unigram_accuracy']:.4f} | "
        f"{s['unigram_cross_entropy']:.3f} |",
        "",
        f"Linear probes of verse features on the test books: trained on "
        f"{r['probe_verses']['train']:,} verses, tested on {r['probe_verses']['test']:,} "
        "verses of other chapters (every third chapter of each book); accuracy.",
        "",
        "| features | testament (2) | book (11) |",
        "|---|---|---|",
    ]
    names = {
        "pretrained": "masked LM, mean-pooled",
        "random_init": "same encoder, random init",
        "bag_of_words": "bag of words, log(1 + count)",
    }
    for key, label in names.items():
        probe = s["probes"][key]
        lines.append(f"| {label} | {_pm(probe['testament'])} | {_pm(probe['book'])} |")
    return "\n".join(lines)


def mlm_headline() -> str:
    """README: masked-token accuracy against the unigram baseline's."""
    r = load("quality_mlm")
    if r is None:
        return "not measured"
    ours = r["summary"]["model_accuracy"]["mean"]
    unigram = r["summary"]["unigram_accuracy"]
    mark = "✓" if ours > unigram else "✗"
    return (
        f"masked-token accuracy {ours:.3f} vs unigram {unigram:.3f} {mark} "
        "(target: above the unigram baseline)"
    )


def dual_translation_table():
    r = load("quality_dual_translation")
    if r is None:
        return not_measured(DUAL_COMMAND, "estimated 12-25 hours on 2 idle CPU cores")
    choice, runs, s = r["choice"], r["runs"], r["summary"]
    seeds = ", ".join(str(run["seed"]) for run in runs)
    first = runs[0]
    lines = [
        f"_{stamp(r)}; sacreBLEU BLEU and chrF of greedy translations of the "
        f"{first['warm start']['sentences']:,} verses of the 11 test books (lower-cased "
        f"words), English -> Spanish (en-es) and Spanish -> English (es-en); seeds {seeds} "
        f"(mean ± sd). {choice['warm_epochs']} warm-start epochs, {choice['dual_epochs']} "
        f"dual epochs and {choice['full_epochs']} epochs on all pairs, chosen on the "
        "validation carve._",
        "",
        "| training | BLEU (mean of both) | BLEU en-es | BLEU es-en | chrF (mean of both) |",
        "|---|---|---|---|---|",
    ]
    for arm, label in DUAL_ARMS:

        def cell(key, arm=arm):
            values = [run[arm][key] for run in runs]
            mean = sum(values) / len(values)
            sd = (sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1)) ** 0.5
            return f"{mean:.2f} ± {sd:.2f}"

        lines.append(
            f"| {label} | {cell('bleu')} | {cell('bleu_ab')} | {cell('bleu_ba')} | {cell('chrf')} |"
        )
    gains = s["dual_gain_bleu"]
    recovered = [run["gap_recovered_bleu"] for run in runs if run["gap_recovered_bleu"] is not None]
    share = f"{100 * sum(recovered) / len(recovered):.0f}%" if recovered else "undefined (no gap)"
    lines += [
        "",
        f"Dual game gain: {gains['mean']:+.2f} ± {gains['sd']:.2f} BLEU; seeds meeting the "
        f"target (+1 BLEU): {s['seeds_meeting_target']} of {len(runs)}; share of the gap to "
        f"100% parallel recovered (mean BLEU): {share}.",
    ]
    return "\n".join(lines)


def dual_translation_headline() -> str:
    """README: BLEU of warm start + dual against warm start alone and 100% parallel."""
    r = load("quality_dual_translation")
    if r is None:
        return "not measured"
    s = r["summary"]
    warm, dual = s["warm start bleu"]["mean"], s["warm start + dual bleu"]["mean"]
    full = s["100% parallel bleu"]["mean"]
    mark = "✓" if dual >= warm + 1.0 else "✗"
    return f"BLEU {dual:.1f} vs warm start {warm:.1f} {mark} (target: +1), 100% parallel {full:.1f}"


SECTIONS = {
    "word2vec-gensim": word2vec_table,
    "word2vec-cbow-gensim": cbow_table,
    "lm-kneser-ney": lm_table,
    "mlm-unigram": mlm_table,
    "dual-translation-bleu": dual_translation_table,
}
PARADIGM_ROWS = (
    (
        "self-supervised, text",
        "text",
        "docs/text.md",
        (
            (
                "word2vec",
                "word2vec, skip-gram and CBOW with negative sampling (Mikolov et al. 2013)",
            ),
            (
                "language_model",
                "next-word language model, a pre-LN Transformer decoder (Radford et al. 2018)",
            ),
            (
                "masked_language_model",
                "masked language model, a pre-LN Transformer encoder (Devlin et al. 2019)",
            ),
        ),
    ),
    (
        "dual learning, text",
        "text",
        "docs/text.md",
        (
            (
                "dual_translation",
                "dual learning for machine translation (He et al., NIPS 2016)",
            ),
        ),
    ),
)
HEADLINES = {
    "word2vec": headline,
    "language_model": lm_headline,
    "masked_language_model": mlm_headline,
    "dual_translation": dual_translation_headline,
}
