"""benchmarks/common.py: results identify the code that ran."""

import common
import pytest


def test_a_dirty_checkout_is_refused_unless_allowed(monkeypatch):
    monkeypatch.setattr(common, "START", {"commit": "abc1234", "dirty": True})
    with pytest.raises(SystemExit, match="uncommitted changes.*--allow-dirty"):
        common.begin(["moco"])
    assert common.begin(["--allow-dirty", "moco"]) == ["moco"]
    monkeypatch.setattr(common, "code_state", lambda: {"commit": "abc1234", "dirty": True})
    stamp = common.provenance()
    assert stamp["commit"] == "abc1234" and stamp["dirty"] and stamp["allowed_dirty"]


def test_the_stamp_is_the_state_at_start_and_a_moved_head_fails(monkeypatch):
    monkeypatch.setattr(common, "START", {"commit": "abc1234", "dirty": False})
    monkeypatch.setattr(common, "code_state", lambda: {"commit": "abc1234", "dirty": False})
    assert common.begin([]) == []
    stamp = common.provenance()
    assert (stamp["commit"], stamp["dirty"], stamp["allowed_dirty"]) == ("abc1234", False, False)
    monkeypatch.setattr(common, "code_state", lambda: {"commit": "def5678", "dirty": False})
    with pytest.raises(RuntimeError, match="HEAD moved from abc1234 to def5678"):
        common.provenance()
    monkeypatch.setattr(common, "code_state", lambda: {"commit": "abc1234", "dirty": True})
    with pytest.raises(RuntimeError, match="changed while the benchmark ran"):
        common.write_result("never_written", {})


def test_tfxlearn_from_another_checkout_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(common, "START", {"commit": "abc1234", "dirty": False})
    monkeypatch.setattr(common, "ROOT", str(tmp_path))
    with pytest.raises(SystemExit, match="not from this checkout"):
        common.begin([])


def test_the_real_checkout_state_is_read():
    state = common.code_state()
    assert len(state["commit"]) >= 7 and isinstance(state["dirty"], bool)


def test_seeds_are_parsed_and_name_the_reruns():
    assert common.parse_seeds(["moco"]) == ([None], ["moco"])
    assert common.parse_seeds(["--seeds", "0,1,2", "moco"]) == ([0, 1, 2], ["moco"])
    for bad in (["--seeds"], ["--seeds", "1,1"], ["--seeds", "-1"], ["--seeds", "a"]):
        with pytest.raises(SystemExit, match="--seeds"):
            common.parse_seeds(bad)
    config = {"seed": 0}
    assert common.seeded(config, "quality_moco", None) == "quality_moco"
    assert common.seeded(config, "quality_moco", 0) == "quality_moco" and config["seed"] == 0
    assert common.seeded(config, "quality_moco", 2) == "quality_moco_seed2"
    assert config["seed"] == 2


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_the_script_usage_and_runs_nothing(monkeypatch, capsys, flag):
    import types

    script = types.ModuleType("__main__")
    script.__doc__ = "Trains things for hours.\n\nUsage: python benchmarks/x.py [methods]"
    monkeypatch.setitem(__import__("sys").modules, "__main__", script)
    monkeypatch.setattr(common, "START", {"commit": "abc1234", "dirty": True})
    with pytest.raises(SystemExit) as exit_:
        common.begin(["moco", flag])  # before the dirty-checkout refusal
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "Usage: python benchmarks/x.py" in out and "--allow-dirty" in out


def test_begin_loads_tfxlearn_before_tensorflow_so_its_cxx_logs_stay_quiet():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join([common.ROOT, env.get("PYTHONPATH", "")])
    script = (
        "import common; common.begin(['--allow-dirty']); import os, logging; "
        "print(os.environ.get('TF_CPP_MIN_LOG_LEVEL'), logging.getLogger('tensorflow').level)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=os.path.join(common.ROOT, "benchmarks"),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["2", "40"]  # C++ INFO/WARNING off; Python logger at ERROR
