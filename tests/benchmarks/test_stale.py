"""benchmarks/stale.py: which result files no longer identify the code behind them."""

import subprocess

import stale

HEAD = subprocess.run(
    ["git", "rev-parse", "--short", "HEAD"], cwd=stale.ROOT, capture_output=True, text=True
).stdout.strip()


def test_docstrings_and_comments_do_not_count_as_code():
    a = '"""Measured: 86.9."""\n\ndef f():\n    """Doc."""\n    return 1  # one\n'
    b = '"""Measured: 87.4 (rerun)."""\n\ndef f():\n    return 1\n'
    c = '"""Measured: 86.9."""\n\ndef f():\n    return 2\n'
    assert stale._code(a) == stale._code(b)
    assert stale._code(a) != stale._code(c)


def test_measured_files_name_the_script_and_the_pipeline():
    assert stale.measured_files(
        "quality_moco_fashion_mnist", {"pipeline": "moco_fashion_mnist"}
    ) == [
        "benchmarks/quality.py",
        "pipelines/moco_fashion_mnist.py",
    ]
    video = stale.measured_files(
        "quality_video_l3_net_spoken_digits_av_seed1", {"pipeline": "l3_net_spoken_digits_av"}
    )
    assert video == ["benchmarks/quality_video.py", "pipelines/l3_net_spoken_digits_av.py"]
    assert "tfxlearn/evaluation/finetuning.py" in stale.measured_files("low_shot_protocols", {})
    assert stale.measured_files("select_moco_epochs", {"pipeline": "moco_fashion_mnist"}) == [
        "benchmarks/selection.py"
    ]
    assert "pipelines/rotation_fashion_mnist.py" in stale.measured_files(
        "quality_baselines_fashion_mnist", {}
    )
    # benchmarks that load a pipeline track its file, and the config blocks it imports
    translation = stale.measured_files("quality_translation", {})
    assert "pipelines/cycle_gan_font_digits.py" in translation
    assert "tfxlearn/pipeline/font_digits.py" in translation
    assert "pipelines/dann_font_digits.py" not in translation
    # "quality_mlm" is not "quality_" (the generative table's script)
    mlm = stale.measured_files("quality_mlm", {})
    assert "benchmarks/quality_mlm.py" in mlm and "pipelines/mlm_bible.py" in mlm
    assert "benchmarks/quality_generative.py" not in mlm
    for name in ("quality_pix2pix", "quality_style", "quality_word2vec", "quality_lm"):
        assert any(f.startswith("pipelines/") for f in stale.measured_files(name, {})), name


def test_problems_of_dirty_unknown_and_stale_stamps(monkeypatch):
    assert stale.problems("quality_moco_fashion_mnist", {"commit": "0000000", "dirty": False}) == [
        "unknown commit"
    ]
    monkeypatch.setattr(stale, "changed_since", lambda commit, path: False)
    assert stale.problems("speed", {"commit": HEAD, "dirty": False}) == []
    assert stale.problems("speed", {"commit": HEAD, "dirty": True}) == ["dirty"]
    monkeypatch.setattr(stale, "changed_since", lambda commit, path: path.endswith("speed.py"))
    (why,) = stale.problems("speed", {"commit": HEAD, "dirty": False})
    assert why.startswith("stale (benchmarks/speed.py changed")


def test_a_file_missing_at_the_stamp_is_changed_and_head_is_not(monkeypatch):
    # git show fails for a path that did not exist at that commit.
    assert stale.changed_since(HEAD, "benchmarks/no_such_benchmark.py")
    # HEAD against the work tree: the same code unless this checkout edited it.
    edited = subprocess.run(
        ["git", "diff", "--quiet", "HEAD", "--", "pipelines/rotation_fashion_mnist.py"],
        cwd=stale.ROOT,
    ).returncode
    assert stale.changed_since(HEAD, "pipelines/rotation_fashion_mnist.py") == bool(edited)


def test_the_rerun_command_is_read_from_the_stamp(tmp_path):
    (tmp_path / "with.json").write_text('{"command": "benchmarks/x.py --seeds 0,1,2"}')
    (tmp_path / "without.json").write_text('{"commit": "abc1234"}')
    assert stale.command("with", str(tmp_path)) == "benchmarks/x.py --seeds 0,1,2"
    assert stale.command("without", str(tmp_path)) is None
    assert stale.command("missing", str(tmp_path)) is None
