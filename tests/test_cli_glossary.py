"""define, list and search through the CLI: output modes and exit codes (check: test_check.py)."""

from __future__ import annotations

import json

from mlterms import __version__
from mlterms.cli import app
from mlterms.cli.app import COMMANDS


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_every_command_has_help_with_an_example(runner):
    for command in COMMANDS:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Example" in result.output, command


def test_define_plain(runner):
    result = runner.invoke(app, ["define", "dropouts"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "dropout"
    assert any(line.startswith("- ") and "probability p" in line for line in lines)
    assert "\x1b" not in result.stdout


def test_define_unquoted_multiword_and_several_terms(runner):
    result = runner.invoke(app, ["define", "batch", "normalization", "softmax"])
    assert result.exit_code == 0
    assert result.stdout.startswith("batch normalization\n")
    assert "\n\nsoftmax\n" in result.stdout


def test_define_miss_suggests_on_stderr(runner):
    result = runner.invoke(app, ["define", "dropuot"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "mlterms: no entry for 'dropuot'. Did you mean: dropout?" in result.stderr


def test_define_keeps_a_found_term_beside_a_typo(runner):
    result = runner.invoke(app, ["define", "l1", "loss", "l2", "los"])
    assert result.exit_code == 1 and result.stdout.startswith("l1 loss\n")
    whole = runner.invoke(app, ["define", "batch", "normalisation"])
    assert (
        whole.stdout == ""
        and "no entry for 'batch normalisation'. Did you mean: batch normalization" in whole.stderr
    )


def test_define_json_shape_follows_what_was_asked(runner):
    def define(*words):
        result = runner.invoke(app, ["define", *words, "--json"])
        return result.exit_code, json.loads(result.stdout) if result.stdout else None

    code, one = define("dropout")
    assert code == 0 and one["term"] == "dropout"
    assert define("dropuot") == (1, None)  # one asked, missed: nothing on stdout
    code, some = define("dropout", "dropuot")
    assert code == 1 and [e["term"] for e in some] == ["dropout"]
    code, twice = define("dropout", "dropout")
    assert code == 0 and [e["term"] for e in twice] == ["dropout"]
    assert define("zzqxjv", "qqzzxv") == (1, None)  # a run of unknown words is one term asked
    assert define("zzqxjv,", "qqzzxv") == (1, [])  # two asked, none found
    code, quoted = define("batch normalization")
    assert code == 0 and quoted["term"] == "batch normalization"


def test_define_json_one_and_many(runner):
    one = json.loads(runner.invoke(app, ["define", "bn", "--json"]).stdout)
    assert one["term"] == "batch normalization"
    assert set(one) >= {"term", "aliases", "definition", "see_also", "demo", "source"}
    assert one["source"]["line"] > 0 and one["source"]["path"].endswith("glossary.md")
    many = json.loads(runner.invoke(app, ["define", "dropout", "softmax", "--json"]).stdout)
    assert [e["term"] for e in many] == ["dropout", "softmax"]


def test_define_rich_panel(runner):
    result = runner.invoke(app, ["--color", "always", "define", "dropout"])
    assert result.exit_code == 0
    assert "\x1b[" in result.stdout and "╭" in result.stdout


def test_glossary_option_and_env(runner, small, monkeypatch):
    result = runner.invoke(app, ["--glossary", str(small), "define", "overfitting"])
    assert result.exit_code == 0 and "fits the training data" in result.stdout
    monkeypatch.setenv("MLTERMS_GLOSSARY", str(small))
    assert runner.invoke(app, ["list"]).stdout.split() == ["dropout", "Overfitting", "batch", "normalization"]


def test_missing_glossary_is_one_line_exit_2(runner, tmp_path):
    missing = tmp_path / "nope.md"
    result = runner.invoke(app, ["--glossary", str(missing), "define", "x"])
    assert result.exit_code == 2
    assert result.stderr == f"mlterms: {missing}: no such file\n"


def test_list_plain_and_json(runner):
    plain = runner.invoke(app, ["list"])
    assert plain.exit_code == 0
    terms = plain.stdout.splitlines()
    assert "dropout" in terms and len(terms) >= 60
    data = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert [d["term"] for d in data] == terms and all(d["definition"] for d in data)


def test_list_rich_table(runner):
    result = runner.invoke(app, ["--color", "always", "list"])
    assert result.exit_code == 0 and "definition" in result.stdout


def test_usage_error_exits_2(runner):
    result = runner.invoke(app, ["define"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["--color", "purple", "list"])
    assert result.exit_code == 2


def test_search_plain_is_term_tab_snippet(runner):
    result = runner.invoke(app, ["search", "prevent", "overfitting"])
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert all(len(row) == 2 for row in rows) and len(rows) <= 10
    assert "dropout" in [term for term, _ in rows]


def test_search_name_hit_ranks_first_and_limit(runner):
    result = runner.invoke(app, ["search", "dropout", "--limit", "2"])
    terms = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert terms[0] == "dropout" and len(terms) <= 2


def test_search_json_best_first(runner):
    data = json.loads(runner.invoke(app, ["search", "normalizing", "--json"]).stdout)
    assert [set(hit) for hit in data][0] == {"term", "score", "snippet", "matched"}
    assert "normalization" in [hit["term"] for hit in data]
    assert [hit["score"] for hit in data] == sorted((hit["score"] for hit in data), reverse=True)


def test_search_typo_and_miss(runner):
    assert runner.invoke(app, ["search", "dropuot"]).stdout.startswith("dropout\t")
    miss = runner.invoke(app, ["search", "zzzzqqqq"])
    assert miss.exit_code == 1 and miss.stdout == ""


def test_search_rich_highlights(runner):
    result = runner.invoke(app, ["--color", "always", "search", "overfitting"])
    assert result.exit_code == 0 and "\x1b[1;33m" in result.stdout


def test_define_plural_query_and_plural_heading(runner, tmp_path):
    path = tmp_path / "g.md"
    path.write_text("### what is hyperparameters\n- set before training\n### neural networks\n- layers\n")
    result = runner.invoke(app, ["-g", str(path), "define", "hyperparameter", "neural", "network"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "hyperparameters" and "\nneural networks\n" in result.stdout


def test_define_suggests_names_that_start_with_the_query(runner):
    result = runner.invoke(app, ["define", "l2"])
    assert result.exit_code == 1
    assert result.stderr == "mlterms: no entry for 'l2'. Did you mean: l2 loss, l2 regularization?\n"


def test_define_forgives_whats_and_what_are(runner):
    for words in (["what's", "an", "epoch"], ["whats", "an", "epoch"], ["what", "are", "epochs?"]):
        result = runner.invoke(app, ["define", *words])
        assert (result.exit_code, result.stderr) == (0, ""), words
        assert result.stdout.startswith("epoch\n")


def test_define_a_run_of_unknown_words_is_one_miss(runner):
    alone = runner.invoke(app, ["define", "flux", "capacitor"])
    assert alone.exit_code == 1 and alone.stderr.count("\n") == 1 and "'flux capacitor'" in alone.stderr
    beside = runner.invoke(app, ["define", "dropout", "flux", "capacitor"])
    assert beside.exit_code == 1 and beside.stdout.startswith("dropout\n")
    assert beside.stderr.count("\n") == 1 and "no entry for 'flux capacitor'" in beside.stderr


def test_define_a_comma_ends_a_term(runner):
    joined = runner.invoke(app, ["define", "batch", "normalization"])
    assert joined.stdout.splitlines()[0] == "batch normalization"
    apart = runner.invoke(app, ["define", "batch,", "normalization", "--json"])
    assert apart.exit_code == 0 and [e["term"] for e in json.loads(apart.stdout)] == [
        "batch",
        "normalization",
    ]
    assert "a comma ends a term" in " ".join(runner.invoke(app, ["define", "--help"]).stdout.split())


def test_search_without_a_hit_says_so_on_a_terminal_only(runner):
    piped = runner.invoke(app, ["search", "zzqxjv"])
    assert (piped.exit_code, piped.stdout, piped.stderr) == (1, "", "")
    shown = runner.invoke(app, ["--color", "always", "search", "zzqxjv"])
    assert shown.exit_code == 1 and shown.stderr == "mlterms: no results for 'zzqxjv'\n"
    data = runner.invoke(app, ["search", "zzqxjv", "--json"])
    assert (data.exit_code, json.loads(data.stdout), data.stderr) == (1, [], "")


def test_check_of_a_path_with_a_nul_is_a_one_line_error():
    from typer.testing import CliRunner

    from mlterms.cli.app import app

    result = CliRunner().invoke(app, ["check", "notes\x00.md"])
    assert result.exit_code == 2 and "not a valid file name" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
