"""define, list and search through the CLI: output modes and exit codes (check: test_check.py)."""

from __future__ import annotations

import json

from mlterms import __version__
from mlterms.cli import app


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_no_arguments_shows_help(runner):
    result = runner.invoke(app, [])
    assert "define" in result.output and result.exit_code in (0, 2)


def test_every_command_has_help_with_an_example(runner):
    for command in ("define", "list", "search", "check", "demo", "quiz"):
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
    assert [set(hit) for hit in data][0] == {"term", "score", "snippet"}
    assert "normalization" in [hit["term"] for hit in data]
    assert [hit["score"] for hit in data] == sorted((hit["score"] for hit in data), reverse=True)


def test_search_typo_and_miss(runner):
    assert runner.invoke(app, ["search", "dropuot"]).stdout.startswith("dropout\t")
    miss = runner.invoke(app, ["search", "zzzzqqqq"])
    assert miss.exit_code == 1 and miss.stdout == ""


def test_search_rich_highlights(runner):
    result = runner.invoke(app, ["--color", "always", "search", "overfitting"])
    assert result.exit_code == 0 and "\x1b[1;33m" in result.stdout
