"""Start-up and speed benchmark of the mlterms CLI, as ratios against baselines measured in the same run.

Run it with the project's interpreter (the venv that has mlterms installed):

    python benchmarks/bench.py                 # every row, 15 runs each
    python benchmarks/bench.py --runs 31 --only search

A script, not a test: this machine is noisy, so every row is a ratio of MEDIAN wall times (or peak
memory) of two commands timed in the same run, with the commands interleaved round-robin so that
noise hits them alike. Output of every command goes to a pipe, as when a user pipes it.

Baselines (../shared/bench beside the repo, or --baselines DIR):
  tldr         the official Python tldr client rendering a local page (`tldr --render dropout.tldr.md`),
               installed into its own venv (benchmarks/.venv/tldr: gitignored by the `.venv/` rule)
  typer_hello  the floor of any Typer CLI on this interpreter (a reference row)
  torch_hello  a Typer app that imports torch and prints a tensor (the baseline of demos)

explore: `mlterms explore` in a pseudo-terminal of 80x24 with MLTERMS_EXPLORE_FIRST_PAINT=1, which
makes the app exit right after its first screen (the term list) is drawn: the time from the
process's start to its first paint, plus Textual's teardown (restoring the terminal, a few ms).
Its goal is about 1 s on a quiet machine; the row is information, as a ratio to tldr.

Each demo: the demo rows first screen every demo once (`demo NAME`, interleaved with torch_hello
runs), print that list, then time the --slowest K of them (default 3) like any other row, so that
"each demo at most 1.3x torch_hello" is measured where it can fail.

A row whose command does not exist yet (exit 2, 'No such command') is shown as n/a.
Exit status: 0, or 1 with --strict when a row fails its target.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_BASELINES = REPO.parent / "shared" / "bench"
DEFAULT_TLDR_VENV = HERE / ".venv" / "tldr"
TLDR_REQUIREMENT = "tldr==3.4.4"
GENERATED_ENTRIES = 10_000
TIME = "/usr/bin/time"  # GNU time, for peak memory (Debian package 'time')
TTY_SIZE = (24, 80)  # lines, columns of the pseudo-terminal of a `tty` command


# ----------------------------------------------------------------------------- commands


@dataclass
class Command:
    """One program to time; `fresh` names an env var set to a new empty dir before every run."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    stdin: bytes = b""
    fresh: str = ""
    heavy: bool = False  # slow (torch): timed in the first --heavy-runs rounds only
    tty: bool = False  # run on a pseudo-terminal of TTY_SIZE (a full-screen app), not a pipe
    memory: bool = False  # also measure peak RSS (in extra runs under /usr/bin/time)
    times: list[float] = field(default_factory=list)  # seconds
    rss: list[int] = field(default_factory=list)  # peak resident set size, KiB
    missing: str = ""  # why it cannot run (e.g. 'No such command'), else ''

    @property
    def shown(self) -> str:
        return " ".join(repr(arg) if " " in arg else arg for arg in self.argv)


@dataclass
class Row:
    label: str
    command: str
    baseline: str
    target: float | None  # the ratio to stay at or under; None: informational
    metric: str = "time"  # or "memory"


def run_once(cmd: Command, base_env: dict[str, str], work: Path, memory: bool = False) -> tuple[int, str]:
    """Run cmd once with stdout to a pipe and record its wall time, or with memory=True its peak RSS.

    Peak RSS comes from GNU time, not from our own wait4(): a child spawned by this (big) Python
    process starts from its memory, and Linux keeps that high-water mark across exec.
    """
    env = {**base_env, **cmd.env}
    if cmd.fresh:  # made before the clock starts
        env[cmd.fresh] = tempfile.mkdtemp(prefix=f"{cmd.name}-", dir=work)
    if cmd.tty:
        return run_on_tty(cmd, env)
    rss_file = work / "rss.txt"
    argv = [TIME, "-f", "%M", "-o", str(rss_file), *cmd.argv] if memory else cmd.argv
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env, cwd=REPO
        )
        if cmd.stdin:
            proc.stdin.write(cmd.stdin)
        proc.stdin.close()
        while proc.stdout.read(1 << 16):
            pass
        code = proc.wait()
        elapsed = time.perf_counter() - start
        proc.stdout.close()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if memory:
        cmd.rss.append(int(rss_file.read_text().split()[-1]))  # KiB
    else:
        cmd.times.append(elapsed)
    return code, stderr


def run_on_tty(cmd: Command, env: dict[str, str]) -> tuple[int, str]:
    """Run cmd with stdin, stdout and stderr on a new pseudo-terminal; record its wall time."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *TTY_SIZE, 0, 0))
    env = {**env, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)  # a terminal app, seen as a user sees it
    output = b""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd.argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO)
    os.close(slave)
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    code = proc.wait()
    cmd.times.append(time.perf_counter() - start)
    os.close(master)
    return code, output.decode("utf-8", "replace")[-2000:]


def preflight(cmd: Command, base_env: dict[str, str], work: Path) -> None:
    """One untimed run: warms .pyc files and caches, and finds commands that don't exist yet."""
    code, stderr = run_once(cmd, base_env, work)
    cmd.times.clear()
    if code == 2 and "No such command" in stderr:
        cmd.missing = "no such command yet"
    elif code not in (0, 1):
        cmd.missing = f"exit {code}: " + (stderr.strip().splitlines() or ["(no stderr)"])[-1][:80]


def screen_demos(mlterms: list[str], torch_hello: Command, env: dict[str, str], work: Path) -> list[str]:
    """Run every demo once, a torch_hello run after every 8, print the ratios; the names, slowest first."""
    listed = subprocess.run([*mlterms, "demo", "--list"], capture_output=True, text=True, env=env, check=True)
    names = listed.stdout.split("\n")
    names = [n for n in names if n]
    probe = Command("demo", [])
    base: list[float] = []
    times: dict[str, float] = {}
    for i, name in enumerate(names):
        if i % 8 == 0:
            run_once(torch_hello, env, work)
            base.append(torch_hello.times.pop())
        probe.argv = [*mlterms, "demo", name]
        code, stderr = run_once(probe, env, work)
        times[name] = probe.times.pop()
        if code != 0:
            print(f"note: demo {name} exited {code}: {stderr.strip()[-80:]}", file=sys.stderr)
    ref = statistics.median(base)
    ranked = sorted(names, key=times.__getitem__, reverse=True)
    print(f"screen: every demo once against torch_hello's median of {len(base)} runs, {ref * 1000:.0f} ms")
    cells = [f"{name} {times[name] / ref:.2f}x" for name in ranked]
    width = max(map(len, cells)) + 2
    per_line = max(1, 100 // width)
    for start in range(0, len(cells), per_line):
        print("  " + "".join(c.ljust(width) for c in cells[start : start + per_line]).rstrip())
    print()
    return ranked


# ----------------------------------------------------------------------------- setup


def ensure_tldr(venv: Path) -> Path:
    """The tldr client in its own venv (same base interpreter as the project), installed if missing."""
    tldr = venv / "bin" / "tldr"
    if tldr.exists():
        return tldr
    print(f"installing {TLDR_REQUIREMENT} into {venv} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, TLDR_REQUIREMENT], check=True)
    return tldr


def mlterms_argv() -> tuple[list[str], str]:
    """The console script next to this interpreter (what users run), else `python -m mlterms`."""
    script = Path(sys.executable).parent / "mlterms"
    if script.exists():
        return [str(script)], f"console script {script}"
    return [sys.executable, "-m", "mlterms"], f"{sys.executable} -m mlterms (no console script found)"


# Words of generated entries: the bundled glossary's vocabulary, roughly.
VOCAB = """
model layer network training loss gradient weight bias activation tensor batch epoch learning rate
optimizer dropout regularization overfitting underfitting normalization embedding attention transformer
kernel convolution pooling feature label dataset sample variance noise prior posterior inference
sampling probability distribution entropy divergence encoder decoder latent vector matrix scalar
linear nonlinear sigmoid softmax relu token sequence recurrent memory generalization validation test
accuracy precision recall metric residual skip connection stride padding channel filter map
classifier regression logistic boosting tree forest ensemble bagging margin support
diffusion schedule sigma score denoising autoencoder variational adversarial generator discriminator
policy reward agent value function state action exploration exploitation discount return
"""
FILLER = "the a of to in is and for with by each that when on from as an its or at per"


def editable_install() -> bool:
    """Does the interpreter import mlterms from this source tree (an editable install)?"""
    import importlib.util

    spec = importlib.util.find_spec("mlterms")
    return bool(spec and spec.origin and Path(spec.origin).resolve().is_relative_to(REPO))


def generate_glossary(path: Path, entries: int = GENERATED_ENTRIES, seed: int = 1) -> None:
    """A glossary shaped like the bundled one (measured there): ~3.3 bullets of ~90 chars per entry,
    aliases on 80% of entries, see-also on all, a source on 12%; distinct 1-3 word names."""
    rng = random.Random(seed)
    vocab = sorted(set(VOCAB.split()))
    filler = FILLER.split()
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < entries:
        name = " ".join(rng.sample(vocab, rng.choice((1, 2, 2, 2, 3, 3))))
        if name not in seen:
            seen.add(name)
            names.append(name)

    def sentence(n: int) -> str:
        return " ".join(rng.choice(vocab) if rng.random() < 0.6 else rng.choice(filler) for _ in range(n))

    out = ["# generated glossary", ""]
    for name in names:
        out.append(f"### what is {name}")
        if rng.random() < 0.8:
            out.append("- aka: " + ", ".join(f"{name} {rng.choice(vocab)}" for _ in range(rng.randint(1, 3))))
        out.extend("- " + sentence(rng.randint(6, 18)) for _ in range(rng.randint(1, 6)))
        out.append("- see also: " + ", ".join(rng.sample(names, rng.randint(2, 6))))
        if rng.random() < 0.12:
            out.append(f"- source: https://example.org/glossary#{name.replace(' ', '_')}")
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


# ----------------------------------------------------------------------------- report


def fmt_value(value: float, metric: str) -> str:
    return f"{value * 1000:7.1f} ms" if metric == "time" else f"{value / 1024:7.1f} MB"


def median(cmd: Command, metric: str) -> float:
    values = cmd.times if metric == "time" else cmd.rss
    return statistics.median(values) if values else 0.0


def report(rows: list[Row], commands: dict[str, Command]) -> list[str]:
    """The table, and the labels of rows that failed."""
    header = (
        f"{'row':<34} {'baseline':<12} {'median':>10} {'baseline':>10} {'ratio':>8} {'target':>8}  result"
    )
    print(header)
    print("-" * len(header))
    failed = []
    for row in rows:
        cmd, base = commands[row.command], commands[row.baseline]
        target = f"<={row.target:.2f}x" if row.target is not None else "info"
        if cmd.missing or base.missing or not median(cmd, row.metric) or not median(base, row.metric):
            why = cmd.missing or base.missing or "not run"
            print(
                f"{row.label:<34} {row.baseline:<12} {'n/a':>10} {'':>10} {'n/a':>8} {target:>8}  n/a ({why})"
            )
            continue
        value, base_value = median(cmd, row.metric), median(base, row.metric)
        ratio = value / base_value
        if row.target is None:
            result = ""
        elif round(ratio, 3) <= row.target:
            result = "PASS"
        else:
            result = "FAIL"
            failed.append(row.label)
        print(
            f"{row.label:<34} {row.baseline:<12} {fmt_value(value, row.metric):>10} "
            f"{fmt_value(base_value, row.metric):>10} {ratio:6.3f}x {target:>8}  {result}"
        )
    return failed


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command (default 15)")
    parser.add_argument(
        "--heavy-runs",
        type=int,
        default=5,
        help="timed runs of the torch commands (default 5: they take seconds)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="only rows whose label contains NAME (repeatable), with their baselines",
    )
    parser.add_argument("--baselines", type=Path, default=DEFAULT_BASELINES, help="dir of the baseline files")
    parser.add_argument("--tldr-venv", type=Path, default=DEFAULT_TLDR_VENV, help="venv for the tldr client")
    parser.add_argument(
        "--entries", type=int, default=GENERATED_ENTRIES, help="entries of the generated glossary"
    )
    parser.add_argument(
        "--slowest", type=int, default=3, metavar="K", help="demos timed as rows after screening (default 3)"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a row fails its target")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="mlterms-bench-"))
    try:
        return bench(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench(args: argparse.Namespace, work: Path) -> int:
    mlterms, how = mlterms_argv()
    tldr = ensure_tldr(args.tldr_venv)
    big = work / "generated-glossary.md"
    generate_glossary(big, args.entries)
    warm_cache = work / "cache-warm"

    base = args.baselines
    cache = {"MLTERMS_CACHE": str(warm_cache)}
    every = [
        Command("tldr", [str(tldr), "--render", str(base / "dropout.tldr.md")]),
        Command("typer_hello", [sys.executable, str(base / "typer_hello.py"), "dropout"]),
        Command("torch_hello", [sys.executable, str(base / "torch_hello.py"), "convolution"], heavy=True),
        Command("define", [*mlterms, "define", "dropout"], dict(cache)),
        Command("search_warm", [*mlterms, "--glossary", str(big), "search", "overfitting"], dict(cache)),
        Command(
            "search_cold", [*mlterms, "--glossary", str(big), "search", "overfitting"], fresh="MLTERMS_CACHE"
        ),
        Command("list", [*mlterms, "list"], dict(cache)),
        Command("search_phrase", [*mlterms, "search", "prevent overfitting"], dict(cache)),
        Command(
            "quiz",
            [*mlterms, "quiz", "--mode", "choice", "--count", "1", "--seed", "1"],
            dict(cache),
            stdin=b"1\n",
            fresh="MLTERMS_HOME",
        ),
        Command("explore", [*mlterms, "explore"], {**cache, "MLTERMS_EXPLORE_FIRST_PAINT": "1"}, tty=True),
        Command("demo_conv", [*mlterms, "demo", "convolution"], dict(cache), heavy=True),
        Command("demo_all", [*mlterms, "demo", "--all"], dict(cache), heavy=True),
    ]
    commands = {c.name: c for c in every}
    n = args.entries
    rows = [
        Row("typer_hello (reference)", "typer_hello", "tldr", None),
        Row("define dropout", "define", "tldr", 0.95),
        Row("define dropout: peak memory", "define", "tldr", 1.0, "memory"),
        Row(f"search overfitting, {n:,} warm", "search_warm", "tldr", 1.25),
        Row(f"search overfitting, {n:,} cold", "search_cold", "tldr", 3.5),
        Row("list", "list", "tldr", None),
        Row("search 'prevent overfitting'", "search_phrase", "tldr", None),
        Row("quiz --mode choice --count 1", "quiz", "tldr", 2.0),
        Row("explore: time to first paint", "explore", "tldr", None),
        Row("demo convolution", "demo_conv", "torch_hello", 1.3),
        Row("demo --all", "demo_all", "torch_hello", 10.0),
    ]
    if args.only:
        rows = [r for r in rows if any(part in r.label for part in args.only)]
    if args.slowest and (not args.only or any(part in "demo each" for part in args.only)):
        skip_env = {k: v for k, v in os.environ.items() if not k.startswith("MLTERMS_")}
        skip_env.update({"NO_COLOR": "1", "COLUMNS": "100", "PYTHONWARNINGS": "ignore", **cache})
        for name in screen_demos(mlterms, commands["torch_hello"], skip_env, work)[: args.slowest]:
            label = f"demo {name}"
            every.append(Command(label, [*mlterms, "demo", name], dict(cache), heavy=True))
            commands[label] = every[-1]
            rows.append(Row(f"{label} (slow)", label, "torch_hello", 1.3))
    needed = [c for c in every if any(c.name in (r.command, r.baseline) for r in rows)]
    for row in rows:
        if row.metric == "memory":
            commands[row.command].memory = commands[row.baseline].memory = True
    if any(c.memory for c in needed) and not Path(TIME).exists():
        print(f"note: no {TIME} (Debian package 'time'): peak memory rows are n/a", file=sys.stderr)
        for cmd in needed:
            cmd.memory = False

    # Users' Pythons cache bytecode: a PYTHONDONTWRITEBYTECODE left in the shell would make every
    # run recompile mlterms (and only mlterms, whose .pyc files are not shipped), so drop it.
    skip = ("MLTERMS_", "PYTHONDONTWRITEBYTECODE")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    if editable_install():
        print("note: mlterms is an editable install; its import hook adds ~20 ms to every start-up.")
        print("      For figures as users see them, run this with a venv that has `pip install .`.")
    base_env.update({"NO_COLOR": "1", "COLUMNS": "100", "PYTHONWARNINGS": "ignore"})
    print(f"mlterms: {how}")
    print(f"python:  {sys.version.split()[0]} ({sys.executable})")
    print(f"tldr:    {tldr} ({TLDR_REQUIREMENT})")
    print(f"glossary for search rows: {n:,} generated entries ({big.stat().st_size / 1e6:.1f} MB)")
    print(
        f"runs:    {args.runs} per command ({args.heavy_runs} for torch ones), round-robin, after one untimed"
        f" warm-up run each; peak memory from {TIME} -f %M in as many extra runs"
    )
    for cmd in needed:
        env = [f"{k}=<dir>" for k in cmd.env] + ([f"{cmd.fresh}=<new empty dir>"] if cmd.fresh else [])
        stdin = f"printf {cmd.stdin.decode()!r} | " if cmd.stdin else ""
        print(f"  {cmd.name:<14} {stdin}{' '.join([*env, cmd.shown])}")
    print()

    for cmd in needed:
        preflight(cmd, base_env, work)
    live = [c for c in needed if not c.missing]
    for i in range(max(args.runs, args.heavy_runs)):
        now = [c for c in live if i < (args.heavy_runs if c.heavy else args.runs)]
        for cmd in now[i % len(now) :] + now[: i % len(now)] if now else []:  # rotated: no fixed position
            run_once(cmd, base_env, work)
            if cmd.memory:
                run_once(cmd, base_env, work, memory=True)

    failed = report(rows, commands)
    print()
    print("ratio = median of the row's command / median of its baseline, both measured in this run")
    if failed:
        print("FAILED: " + ", ".join(failed))
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
