"""benchmarks/quality_pix2pix.py: its --smoke run (8x8, tiny nets: each variant's
budget chosen on the validation carve with the test split forbidden, one seed
measured for cGAN + L1 and L1 alone) writes nothing, and the summary counts the
seeds where cGAN + L1 has the lower Fréchet distance."""

import quality_pix2pix


def test_smoke_run_selects_on_validation_and_writes_nothing(refuse_writes, capsys):
    refuse_writes(quality_pix2pix)
    quality_pix2pix.main(["--smoke"])
    out = capsys.readouterr().out
    for variant in ("l1_only", "cgan_l1"):
        assert f"selection {variant}: 1 epochs" in out and f"selection {variant}: 2 epochs" in out
        assert f"chosen budget {variant}" in out and f"seed 0 {variant}: L1" in out
    assert "smoke run: nothing written" in out


def test_summary_counts_the_seeds_where_the_cgan_has_the_lower_distance():
    def row(seed, cgan_fd, l1_fd):
        return {
            "seed": seed,
            "cgan_l1": {"fd_translated": cgan_fd, "l1": 0.1, "ssim": 0.5},
            "l1_only": {"fd_translated": l1_fd, "l1": 0.08, "ssim": 0.6},
        }

    summary = quality_pix2pix.summarize([row(0, 10.0, 20.0), row(1, 30.0, 20.0), row(2, 5.0, 9.0)])
    assert summary["target"] == {"cgan_fd_below_l1_only": 2, "seeds": 3}
    assert abs(summary["cgan_l1"]["fd_translated"]["mean"] - 15.0) < 1e-12
    assert abs(summary["l1_only"]["l1"]["sd"]) < 1e-12
