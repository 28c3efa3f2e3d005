"""The report's generated parts: verdict macros, the reproducibility table, and the checks of the compiled PDF."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from relu1d.replication.numbers import claim_macro, macros, verdict_numbers
from relu1d.replication.plotting import save_table, significant
from relu1d.replication.provenance import (
    config_digest,
    config_seeds,
    git_commit,
    package_versions,
    provenance_rows,
    provenance_tex,
)
from relu1d.replication.report_check import claims_section, log_problems, missing_claims


def test_verdict_macros_name_every_claim_and_count_each_verdict():
    claims = pd.DataFrame(
        {"claim": ["K1", "K2", "A3", "H1"], "verdict": ["supported", "inconclusive", "supported", "not supported"]}
    )
    numbers = verdict_numbers(claims)
    assert claim_macro("K1") == "KOne" and claim_macro("H3") == "HThree"
    assert numbers["VerdictKOne"] == "supported" and numbers["VerdictHOne"] == "not supported"
    assert numbers["NumSupported"] == "2" and numbers["SupportedClaims"] == "K1, A3"
    assert numbers["NumRejected"] == "1" and numbers["RejectedClaims"] == "H1"
    assert numbers["NumInconclusive"] == "1" and numbers["NumClaims"] == "4"
    assert "\\newcommand{\\VerdictAThree}{supported}" in macros(numbers)
    none = verdict_numbers(claims.assign(verdict="supported"))
    assert none["NumRejected"] == "0" and none["RejectedClaims"] == "none"


def test_config_digest_is_canonical_and_seeds_are_all_found():
    config = {"experiments": {"a": {"seed": 3, "widths": [2]}, "b": {"seed": 4}}, "covariance": {"seed": 5}, "x": 1}
    reordered = json.loads(json.dumps(config, sort_keys=True))
    assert config_digest(config) == config_digest(reordered)
    assert config_digest(config) != config_digest(config | {"x": 2})
    assert config_seeds(config) == {"experiments.a.seed": 3, "experiments.b.seed": 4, "covariance.seed": 5}


def test_provenance_table_has_every_item_and_breaks_long_tokens(tmp_path):
    rows = provenance_rows(
        "a" * 40, "snakemake --cores all", "0123456789abcdef" * 4, {"s": 1}, {"numpy": "2"}, {"cpu": "x_y"}
    )
    assert [item for item, _ in rows] == ["commit", "command", "configuration SHA-256", "seeds", "packages", "machine"]
    tex = provenance_tex(rows)
    assert "\\begin{longtable}" in tex and "x\\_y" in tex
    assert "0123456789abcdef\\allowbreak{}0123456789abcdef" in tex  # a hash may break every 16 digits
    assert git_commit(tmp_path) == "not a git checkout"
    assert package_versions(("numpy", "no-such-distribution"))["no-such-distribution"] == "absent"


def test_long_tables_break_across_pages(tmp_path):
    table = pd.DataFrame({"claim": ["K1", "K2"], "verdict": ["supported", "inconclusive"]})
    save_table(table, tmp_path, "short", "A caption.")
    save_table(table, tmp_path, "long", "A caption.", long=True)
    assert "\\begin{table}" in (tmp_path / "short.tex").read_text()
    assert "\\begin{longtable}" in (tmp_path / "long.tex").read_text()


def test_log_problems_find_overflowing_tables_only():
    log = "\n".join(
        [
            "Overfull \\hbox (7.62502pt too wide) in alignment at lines 2--11",
            "Overfull \\hbox (0.5pt too wide) in alignment at lines 20--30",  # within the tolerance
            "Overfull \\hbox (12.0pt too wide) in paragraph at lines 5--9",  # prose, not a table
            "LaTeX Warning: Float too large for page by 864.57997pt on input line 24.",
        ]
    )
    found = log_problems(log)
    assert len(found) == 2
    assert "7.62502 pt wider" in found[0] and "lines 2--11" in found[0]
    assert "864.57997 pt taller" in found[1] and "input line 24" in found[1]
    assert log_problems("Underfull \\hbox (badness 10000) in paragraph") == []


def test_missing_claims_are_rows_of_the_claims_table_only():
    text = (
        "Intro K7 is discussed.\nTable 1: Claims of papers\nclaim statement\nK1 E[R]\nK2 knots\n3 Claim K1: conv\nK3 x"
    )
    section = claims_section(text, "Table 1: Claims", "Claim K1:")
    assert missing_claims(section, ["K1", "K2", "K3", "K7"]) == ["K3", "K7"]
    assert claims_section(text, "no such caption", "Claim K1:") == ""


def test_check_report_command_fails_on_a_missing_claim(tmp_path):
    from pypdf import PdfWriter

    pdf = tmp_path / "blank.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with open(pdf, "wb") as fh:
        writer.write(fh)
    (tmp_path / "main.log").write_text("")
    pd.DataFrame({"claim": ["K1"], "verdict": ["supported"]}).to_csv(tmp_path / "claims.csv", index=False)
    args = [str(pdf), "--log", str(tmp_path / "main.log"), "--claims", str(tmp_path / "claims.csv")]
    out = subprocess.run(
        [sys.executable, "-m", "relu1d.cli", "check-report", *args], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2 and "caption is not in the PDF" in out.stderr


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]"])
def test_provenance_command_rejects_a_bad_configuration(tmp_path, bad):
    out_file = tmp_path / "p.tex"
    args = ["--config-json", bad, "--command", "c", "--repository", str(tmp_path), "-o", str(out_file)]
    out = subprocess.run(
        [sys.executable, "-m", "relu1d.cli", "provenance", *args], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2 and "--config-json" in out.stderr and not out_file.exists()


def test_figures_must_print_as_drawn(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from relu1d.replication.plotting import MIN_FONT_PT, TEXT_WIDTH_IN, panel_grid, print_problems, save_figure

    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN, 2))
    ax.set_xlabel("fine", fontsize=MIN_FONT_PT)
    assert print_problems(fig) == []
    ax.set_title("too small", fontsize=5)
    assert print_problems(fig) == ["5 pt text 'too small'"]
    with pytest.raises(ValueError, match="figure tiny: 5 pt text"):
        save_figure(fig, tmp_path, "tiny")
    assert not list(tmp_path.iterdir())  # nothing written
    wide, _ = plt.subplots(figsize=(10, 2))
    assert "10.00 in wide" in print_problems(wide)[0]
    grid, axes = panel_grid(5, ncols=3)
    assert len(axes) == 5 and grid.get_size_inches()[0] == pytest.approx(TEXT_WIDTH_IN)
    assert sum(a.get_visible() for a in grid.axes) == 5
    plt.close("all")


def test_significant_prints_large_counts_whole_and_small_values_to_four_digits():
    # 1.233e+04 in a 9-column longtable pushed the large study's cell table 30 pt past the page
    assert significant(12326.65) == "12327"
    assert significant(8192.4) == "8192"
    assert significant(0.0006503) == "0.0006503"
    assert significant(3.2e7) == "3.2e+07"
    assert significant(float("nan")) == "nan"
