"""The grader's isolation, attacked: every fixture in tests/fixtures/grading/sandbox
is graded through the real command line, under bubblewrap.

Each fixture attacks in one exercise of the fixture assignment and answers the
others correctly (tests/fixtures/grading/make_fixtures.py, SANDBOX). It is
written so that a working attack shows: in the points (the planted code
sabotages its own answer if it ever runs; a leaked secret is raised as the
answer), in files outside the sandbox (canaries, the repository's library, a
trace file) or in processes left behind (a marker in their command line).

In CI (``ADAMCOURSE_REQUIRE_BWRAP=1``) a machine without a working bubblewrap
fails these tests; elsewhere they are skipped there.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib.util
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

import adamcourse
from adamcourse import grading
from adamcourse.grading import Limits
from adamcourse.grading.sandbox import grader as sandbox
from adamcourse.grading.sandbox import launcher

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "grading"
SOURCE = FIXTURES / "assignment" / "fixture.ipynb"
ATTACKS = FIXTURES / "sandbox"
FULL = {"ex00_gradient_step": 1.0, "ex02_ema_update": 1.0, "ex05_adam_step": 3.0}
LIBRARY = Path(adamcourse.__file__).parent

_spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

pytestmark = pytest.mark.slow


def _bubblewrap_problem() -> str | None:
    env = os.environ.pop(sandbox.NO_ISOLATION_ENV, None)
    try:
        sandbox.isolation()
        return None
    except sandbox.IsolationMissing as missing:
        return str(missing)
    finally:
        if env is not None:
            os.environ[sandbox.NO_ISOLATION_ENV] = env


def processes_with(marker: str) -> list[int]:
    """Live processes (zombies have no command line) whose command line holds ``marker``."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if marker.encode() in Path(entry.path, "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _fingerprint(paths) -> dict:
    """Content hash and mode of each file: what must not change."""
    out = {}
    for path in paths:
        info = os.stat(path)
        out[str(path)] = (hashlib.sha256(Path(path).read_bytes()).hexdigest(), stat.S_IMODE(info.st_mode))
    return out


@contextlib.contextmanager
def _helpers_outside():
    """Unix-socket servers outside the sandbox, by path and in the abstract
    namespace, that answer b'ok' (what the unix_sockets fixture looks for)."""
    folder = Path(fixtures.HELPER_SOCKET).parent
    folder.mkdir(exist_ok=True)
    Path(fixtures.HELPER_SOCKET).unlink(missing_ok=True)
    servers = []
    for address in (fixtures.HELPER_SOCKET, fixtures.HELPER_ABSTRACT):
        server = socket.socket(socket.AF_UNIX)
        server.bind(address)
        server.listen(8)
        server.settimeout(0.1)
        servers.append(server)
    connections, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            for server in servers:
                try:
                    client, _ = server.accept()
                except OSError:
                    continue
                with client:
                    connections.append(client.recv(5))
                    client.sendall(b"ok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield connections
    finally:
        stop.set()
        thread.join()
        for server in servers:
            server.close()
        shutil.rmtree(folder, ignore_errors=True)


def _cli(*args, env=None, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "adamcourse.grading.cli", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != sandbox.NO_ISOLATION_ENV}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def batch(bubblewrap, tmp_path_factory):
    """Grade every attack (and a correct control) once through the command line."""
    tmp = tmp_path_factory.mktemp("sandbox")
    folder = tmp / "submissions"
    folder.mkdir()
    for path in ATTACKS.glob("*.ipynb"):
        shutil.copy(path, folder)
    shutil.copy(FIXTURES / "submissions" / "correct.ipynb", folder / "control.ipynb")
    canary, root_only, trace = Path(fixtures.CANARY), Path(fixtures.ROOT_ONLY), Path(fixtures.PLANTED_TRACE)
    canary.write_text("still here")
    canary.chmod(0o644)
    root_only.write_text("TOP-SECRET-ROOT-ONLY")
    root_only.chmod(0o600)
    trace.unlink(missing_ok=True)
    watched = [canary, Path("/etc/passwd"), *sorted(LIBRARY.rglob("*.py"))]
    before = _fingerprint(watched)
    secret = f"hunter2-{os.getpid()}-{time.time_ns()}"
    try:
        with _helpers_outside() as connections:
            done = _cli(
                "grade",
                folder,
                "fixture",
                "--source",
                SOURCE,
                "--out",
                tmp / "out",
                "--workers",
                2,
                "--time-limit",
                8,
                "--memory-limit",
                1024,
                "--output-limit",
                256,
                "--quiet",
                env=_environment(**{fixtures.SECRET_VARIABLE: secret}),
            )
        survivors = processes_with(fixtures.MARKER)
        after = _fingerprint(watched)
        with open(tmp / "out" / "gradebook.csv", newline="", encoding="utf-8") as file:
            raw = file.read()
        rows = {(r["student"].lstrip("'"), r["exercise"]): r for r in csv.DictReader(raw.splitlines())}
        outputs = {p.relative_to(tmp / "out"): p.read_bytes() for p in (tmp / "out").rglob("*") if p.is_file()}
        yield {
            "done": done,
            "rows": rows,
            "raw": raw,
            "out": tmp / "out",
            "outputs": outputs,
            "before": before,
            "after": after,
            "survivors": survivors,
            "secret": secret,
            "connections": connections,
            "trace": trace.exists(),
            "canary": canary.read_text(),
        }
    finally:
        for pid in processes_with(fixtures.MARKER):  # never leave them to the next test run
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        for path in (canary, root_only, trace):
            path.unlink(missing_ok=True)


def points(batch, student) -> dict:
    return {ex: float(batch["rows"][(student, ex)]["points"]) for ex in FULL}


def feedback(batch, student, exercise) -> str:
    return batch["rows"][(student, exercise)]["feedback"]


def others_full(batch, student, attacked) -> None:
    got = points(batch, student)
    for exercise, full in FULL.items():
        if exercise != attacked:
            assert got[exercise] == full, (student, exercise, feedback(batch, student, exercise))


# --- The batch as a whole --------------------------------------------------------------------


def test_the_batch_ran_under_bubblewrap_and_said_so(batch):
    done = batch["done"]
    assert done.returncode == 0, done.stderr[-3000:]
    start = next(line for line in done.stderr.splitlines() if line.startswith("sandbox: "))
    assert start.startswith("sandbox: bubblewrap")
    assert "PID, network, IPC and UTS namespaces" in start and "processes (RLIMIT_NPROC" in start
    students = {student for student, _ in batch["rows"]}
    assert {p.stem for p in ATTACKS.glob("*.ipynb") if p.stem not in fixtures.FORMULA_NAMES} <= students
    assert not [r for r in batch["rows"].values() if "tell your instructor" in r["feedback"]]


def test_the_control_gets_full_points(batch):
    assert points(batch, "control") == FULL


# what the fixtures would write into a file they reached
SIGNATURES = (b"planted code ran", b"_adamcourse_planted_ran", b"hacked")


def test_nothing_outside_the_sandbox_changed(batch):
    before, after = batch["before"], batch["after"]
    assert batch["canary"] == "still here" and not batch["trace"]
    # the links' targets: the canary, /etc/passwd and the library's checks.py (content and mode)
    for path in (fixtures.CANARY, "/etc/passwd", str(LIBRARY / "checks.py"), str(LIBRARY / "optimizers.py")):
        assert after[path] == before[path], path
    # every module of the real library keeps its mode and carries nothing a fixture writes
    # (their content is not compared: on a shared checkout, people edit them during the run)
    assert {p: mode for p, (_, mode) in after.items()} == {p: mode for p, (_, mode) in before.items()}
    assert not [p for p in LIBRARY.rglob("*.py") if any(sign in p.read_bytes() for sign in SIGNATURES)]


def test_no_process_survives_the_batch(batch):
    # the survivors fixture proved its sleepers were alive inside (it scored), and none is left
    assert points(batch, "survivors") == FULL
    assert batch["survivors"] == []


def test_the_process_scan_finds_a_marked_process():
    """The check above can fail: a marked process outside any sandbox is found."""
    marker = f"adamcourse-scan-check-{os.getpid()}"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", marker])
    try:
        deadline = time.monotonic() + 10
        while sleeper.pid not in processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_with(marker) == [sleeper.pid]
    finally:
        sleeper.kill()
        sleeper.wait()
    assert processes_with(marker) == []


# --- One test per class of attack ------------------------------------------------------------


def test_code_planted_for_the_next_kernel_never_runs(batch):
    # ex02 exits the kernel; adam_step runs in a new one and would sabotage itself if the plant ran
    assert points(batch, "planted_code") == {**FULL, "ex02_ema_update": 0.0}
    assert "exited (status 3)" in feedback(batch, "planted_code", "ex02_ema_update")
    assert "hacked" not in batch["raw"]
    assert [ex for (student, ex) in batch["rows"] if student == "planted_code"] == list(FULL)


def test_links_planted_where_the_grader_works_are_not_followed(batch):
    assert points(batch, "symlink_planted") == FULL
    # (test_nothing_outside_the_sandbox_changed: the links' targets kept their content and mode)


def test_the_graders_environment_is_not_visible(batch):
    assert points(batch, "env_secret") == FULL, feedback(batch, "env_secret", "ex00_gradient_step")
    assert not [name for name, data in batch["outputs"].items() if batch["secret"].encode() in data]
    assert batch["secret"] not in batch["done"].stdout + batch["done"].stderr


def test_other_processes_are_not_visible(batch):
    assert points(batch, "proc_cmdlines") == FULL, feedback(batch, "proc_cmdlines", "ex00_gradient_step")


def test_root_only_files_are_not_readable(batch):
    assert points(batch, "root_only_files") == FULL, feedback(batch, "root_only_files", "ex00_gradient_step")
    assert not [name for name, data in batch["outputs"].items() if b"TOP-SECRET" in data or b"root:" in data]


def test_unix_sockets_outside_are_unreachable(batch):
    assert batch["connections"] == []
    # a helper's answer would have replaced the wrong-sign version: it is still the one graded
    assert batch["rows"][("unix_sockets", "ex00_gradient_step")]["mistake"] == "the update has the wrong sign"
    others_full(batch, "unix_sockets", "ex00_gradient_step")


def test_the_socket_helpers_answer_an_unconfined_process():
    """The check above can fail: outside the sandbox both helpers answer."""
    with _helpers_outside() as connections:
        for address in (fixtures.HELPER_SOCKET, fixtures.HELPER_ABSTRACT):
            with socket.socket(socket.AF_UNIX) as helper:
                helper.settimeout(2)
                helper.connect(address)
                helper.sendall(b"hello")
                assert helper.recv(2) == b"ok"
    assert connections == [b"hello", b"hello"]


@pytest.mark.parametrize("student", ["library_thread", "library_compile"])
def test_the_librarys_answer_is_absent_in_threads_and_under_its_own_file_name(batch, student):
    assert points(batch, student) == {**FULL, "ex02_ema_update": 0.0}
    assert "ema is not available while your work is graded" in feedback(batch, student, "ex02_ema_update")


def test_a_replaced_harness_reports_nothing_the_grader_believes(batch):
    # the fake report's values are judged like any answer: wrong; later exercises in that kernel too
    got = points(batch, "replace_harness")
    assert got["ex00_gradient_step"] == 1.0 and got["ex02_ema_update"] == 0.0
    assert batch["rows"][("replace_harness", "ex02_ema_update")]["outcome"] != "right"


def test_a_flood_of_widget_messages_hits_the_output_limit(batch):
    assert points(batch, "comm_flood") == {**FULL, "ex02_ema_update": 0.0}
    assert "more than the output limit (256 KiB)" in feedback(batch, "comm_flood", "ex02_ema_update")


def test_a_fork_bomb_is_stopped_by_the_process_limit(batch):
    # gradient_step is right only if a fork failed before 3000 processes
    assert points(batch, "fork_bomb") == FULL, feedback(batch, "fork_bomb", "ex00_gradient_step")


def test_a_deeply_nested_expression_zeroes_only_its_exercise(batch):
    assert points(batch, "nested_expression") == {**FULL, "ex02_ema_update": 0.0}
    message = feedback(batch, "nested_expression", "ex02_ema_update")
    assert re.search(r"nest|too complex|too deep", message), message
    assert "instructor" not in message and "memory" not in message


def test_names_a_spreadsheet_would_run_are_escaped(batch):
    for name in ("gradebook.csv", "grades.csv"):
        with open(batch["out"] / name, newline="", encoding="utf-8") as file:
            cells = [cell for row in csv.reader(file) for cell in row]
        formulas = [c for c in cells if c.startswith(("=", "+", "-", "@")) and not re.fullmatch(r"-?[\d.]+", c)]
        assert formulas == [], name
    students = {student for student, _ in batch["rows"]}
    assert {"+1+1", "-1+1", "@SUM_A1"} <= students  # still there, under their own ids


# --- Mechanisms, each on its own ---------------------------------------------------------------


def test_no_process_survives_a_submission(bubblewrap, tmp_path):
    """In the grader's own process (no subreaper to adopt orphans): when
    grade_submission returns, the sleepers its kernel left are gone."""
    rows = grading.grade_submission(
        "s", ATTACKS / "survivors.ipynb", grading.load_assignment(SOURCE), Limits(time_s=8, memory_mb=1024)
    )
    assert [r.points for r in rows] == list(FULL.values()), rows[0].feedback
    assert processes_with(fixtures.MARKER) == []


def test_widget_messages_never_reach_the_graders_memory(bubblewrap, memory_growth):
    assignment = grading.load_assignment(SOURCE)
    rows, growth = memory_growth(
        lambda: grading.grade_submission(
            "flood", ATTACKS / "comm_flood.ipynb", assignment, Limits(time_s=30, memory_mb=2048, output_kb=256)
        )
    )
    assert growth < 100 * 2**20, f"the grader grew by {growth / 2**20:.0f} MiB"
    assert rows[1].points == 0 and "output limit" in rows[1].feedback


def test_a_socket_file_is_held_and_a_replaced_name_leads_nowhere(tmp_path):
    """The grader connects to the kernel through /proc/self/fd/N of the socket
    it checked: swapping the file for a link (to a socket outside) changes
    nothing, even for a new connection. Links, FIFOs and files are refused."""
    zmq = pytest.importorskip("zmq")
    context = zmq.Context()
    kernel_side = context.socket(zmq.REP)
    kernel_side.bind(f"ipc://{tmp_path}/k-1")
    outside = socket.socket(socket.AF_UNIX)
    outside.bind(str(tmp_path / "outside"))
    outside.listen(1)
    outside.settimeout(0.5)
    fd = sandbox.hold_socket(str(tmp_path / "k-1"))
    try:
        os.remove(tmp_path / "k-1")
        os.symlink(tmp_path / "outside", tmp_path / "k-1")
        grader_side = context.socket(zmq.REQ)
        grader_side.linger = 0
        grader_side.connect(f"ipc:///proc/self/fd/{fd}")
        grader_side.send(b"ping")
        assert kernel_side.poll(5000) and kernel_side.recv() == b"ping"
        with pytest.raises(TimeoutError):
            outside.accept()
        grader_side.close()
        for name, make in (
            ("link", lambda p: os.symlink(tmp_path / "outside", p)),
            ("fifo", os.mkfifo),
            ("file", lambda p: Path(p).write_text("x")),
        ):
            make(str(tmp_path / name))
            with pytest.raises(RuntimeError, match="not a socket"):
                sandbox.hold_socket(str(tmp_path / name))
    finally:
        os.close(fd)
        kernel_side.close(linger=0)
        outside.close()
        context.term()


def test_removing_a_kernels_folder_never_follows_its_links(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    victim.chmod(0o600)
    root = tmp_path / "kernel"
    (root / "locked").mkdir(parents=True)
    os.symlink(victim, root / "link")
    os.symlink(victim, root / "locked" / "link")
    os.symlink(tmp_path, root / "locked" / "dirlink")
    (root / "locked").chmod(0o500)
    sandbox.remove_tree(str(root))
    assert not root.exists()
    assert victim.read_text() == "keep" and stat.S_IMODE(victim.stat().st_mode) == 0o600


def test_the_seccomp_filter_stops_new_user_namespaces_and_nothing_else():
    if launcher._ARCHES.get(os.uname().machine) is None:
        pytest.skip("the filter is written for x86-64 and arm64")
    code = """
import ctypes, os, subprocess, sys, threading
from adamcourse.grading.sandbox import launcher
libc = ctypes.CDLL(None, use_errno=True)
def new_user_namespace():
    pid = os.fork()
    if pid == 0:
        os._exit(0 if libc.unshare(0x10000000) == 0 else 10 + ctypes.get_errno())
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
before = new_user_namespace()
assert launcher._no_new_user_namespaces()
after = new_user_namespace()
thread = threading.Thread(target=lambda: None); thread.start(); thread.join()
child = subprocess.run([sys.executable, '-c', 'print(6 * 7)'], capture_output=True, text=True).stdout.strip()
print(before, after, child)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    before, after, child = done.stdout.split()
    assert (after, child) == ("11", "42"), done.stderr  # 10 + EPERM; threads and subprocesses still work
    if before != "0":
        pytest.skip(f"this machine forbids new user namespaces anyway (status {before}): no negative control")


def test_the_bubblewrap_command_keeps_the_host_out(bubblewrap):
    """What the kernel's tree is made of: nothing of /home, /root, /run or the
    repository is bound, the working folder is the only writable bind."""
    from adamcourse.grading.sandbox import bubblewrap as bw

    args = bw.command(bw.find(), root="/tmp/x/kernel-1", library="/tmp/y/library", file_mb=16, uid=None)
    binds = [(args[i], args[i + 1], args[i + 2]) for i, a in enumerate(args) if a in ("--bind", "--ro-bind")]
    assert [b for b in binds if b[0] == "--bind"] == [("--bind", "/tmp/x/kernel-1", "/tmp/x/kernel-1")]
    sources = [src for _, src, _ in binds]
    assert not [s for s in sources if s in ("/", "/home", "/root", "/run", "/etc", str(ROOT), str(LIBRARY))]
    assert {
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--die-with-parent",
        "--new-session",
        "--unshare-user",
    } <= set(args)
    assert args[args.index("--tmpfs") - 1] == str(4 * 16 * 2**20)  # /tmp is small and in memory
    as_root = bw.command(bw.find(), root="/tmp/x/kernel-1", library="/tmp/y/library", file_mb=16, uid=1234)
    assert "--unshare-user" not in as_root and as_root[as_root.index("--cap-drop") + 1] == "ALL"


def test_an_older_bubblewrap_gets_a_tmp_on_disk(monkeypatch):
    """bwrap before --size: an uncapped tmpfs would let a kernel fill the memory."""
    from adamcourse.grading.sandbox import bubblewrap as bw

    monkeypatch.setattr(bw, "_options", lambda _bwrap: frozenset({"--unshare-cgroup-try"}))
    args = bw.command("bwrap", root="/tmp/x/kernel-1", library="/tmp/y/library", file_mb=16, uid=None)
    assert "--tmpfs" not in args and "--disable-userns" not in args
    assert args[args.index("/tmp") - 2 : args.index("/tmp") + 1] == ["--bind", "/tmp/x/kernel-1.tmp", "/tmp"]


# --- Where bubblewrap is missing ------------------------------------------------------------


def _without_bwrap() -> dict:
    """An environment whose PATH has this Python's folder and no bwrap."""
    folder = os.path.dirname(sys.executable)
    assert not os.path.exists(os.path.join(folder, "bwrap"))
    return _environment(PATH=folder)


def test_grade_refuses_without_bubblewrap_and_says_how_to_get_it(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIXTURES / "submissions" / "correct.ipynb", folder / "ana.ipynb")
    done = _cli(
        "grade",
        folder,
        "fixture",
        "--source",
        SOURCE,
        "--out",
        tmp_path / "out",
        "--quiet",
        env=_without_bwrap(),
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    for words in (
        "refusing",
        "bubblewrap",
        "apt-get install bubblewrap",
        "Gradescope",
        "virtual machine",
        "--no-isolation",
    ):
        assert words in done.stderr
    assert not (tmp_path / "out").exists()
    isolation = _cli("isolation", env=_without_bwrap(), timeout=120)
    assert isolation.returncode == 1 and "apt-get install bubblewrap" in isolation.stdout


def test_no_isolation_is_explicit_and_says_so(tmp_path):
    """The flag itself (the only test that uses it): grading runs, and the
    start line and a warning say there is no isolation."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIXTURES / "submissions" / "correct.ipynb", folder / "ana.ipynb")
    done = _cli(
        "grade",
        folder,
        "fixture",
        "--source",
        SOURCE,
        "--out",
        tmp_path / "out",
        "--quiet",
        "--workers",
        1,
        "--time-limit",
        8,
        "--no-isolation",
        env=_without_bwrap(),
    )
    assert done.returncode == 0, done.stderr
    assert "sandbox: NO ISOLATION" in done.stderr and "warning: --no-isolation" in done.stderr
    with open(tmp_path / "out" / "gradebook.csv", newline="") as file:
        assert [float(r["points"]) for r in csv.DictReader(file)] == list(FULL.values())


def test_isolation_lists_the_layers(bubblewrap):
    done = _cli("isolation", env=_environment(), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("bubblewrap") and "memory (RLIMIT_AS)" in lines
    if launcher.landlock_abi() >= 1:
        assert "files (Landlock)" in lines


def test_the_gradescope_bundle_uses_bubblewrap_or_says_it_cannot(tmp_path):
    from adamcourse.grading.gradescope import make_bundle

    bundle = make_bundle("fixture", tmp_path / "autograder.zip", source=SOURCE, limits={"time_s": 8, "memory_mb": 1024})
    assert "bubblewrap" in zipfile.ZipFile(bundle).read("setup.sh").decode()
    for name, env in (("with", _environment()), ("without", _without_bwrap())):
        if name == "with" and _bubblewrap_problem() is not None:
            continue
        root = tmp_path / name
        with zipfile.ZipFile(bundle) as z:
            z.extractall(root / "source")
        (root / "submission").mkdir()
        shutil.copy(FIXTURES / "submissions" / "correct.ipynb", root / "submission" / "fixture.ipynb")
        script = root / "source" / "run_autograder"
        script.chmod(0o755)
        done = subprocess.run(
            ["/bin/bash", str(script)],
            capture_output=True,
            text=True,
            timeout=300,
            env={**env, "AUTOGRADER_ROOT": str(root), "ADAMCOURSE_PYTHON": sys.executable},
        )
        assert done.returncode == 0, done.stderr
        assert json.loads((root / "results" / "results.json").read_text())["score"] == 5.0
        if name == "with":
            assert "sandbox: bubblewrap" in done.stdout
        else:
            assert "bubblewrap unusable here" in done.stdout and "Gradescope's own container" in done.stdout
