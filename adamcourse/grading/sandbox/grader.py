"""The grader's side of the sandbox: start kernels through the launcher, cap
what comes back from them, and clean up every process they leave.

The kernel runs in its own process, started by :class:`SandboxKernelManager`
through ``python -m adamcourse.grading.sandbox.launcher`` with a clean
environment and Unix-socket transport; :class:`CappedKernelClient` refuses
oversized messages; :func:`kill_descendants` ends whatever a submission
started and abandoned.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

from adamcourse.grading.sandbox.limits import Limits

__all__ = ["SandboxKernelManager", "CappedKernelClient", "isolation", "kill_descendants", "become_subreaper"]

_PR_SET_CHILD_SUBREAPER = 36


@functools.lru_cache(maxsize=None)
def _libc():
    return ctypes.CDLL(None, use_errno=True)


_SUBREAPER = False


def become_subreaper() -> None:
    """Adopt orphaned descendants, so that :func:`kill_descendants` finds
    processes a submission started and abandoned. For a grading worker
    process only: afterwards every child of the process is fair game."""
    global _SUBREAPER
    if sys.platform.startswith("linux"):
        _SUBREAPER = _libc().prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def kill_descendants() -> int:
    """In a process made a subreaper by :func:`become_subreaper`, SIGKILL every
    descendant; returns how many. Elsewhere (a notebook or a test calling the
    grader directly) it does nothing: those processes' children are not ours."""
    if not _SUBREAPER:
        return 0
    killed = 0
    for _ in range(20):  # killing a child hands its children to us: repeat
        me, children = os.getpid(), []
        for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                children.append(int(entry.name))
        if not children:
            break
        for pid in children:
            try:
                os.kill(pid, 9)
                killed += 1
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed


@functools.lru_cache(maxsize=None)
def isolation(probe_dir: str | None = None) -> tuple[str, ...]:
    """The layers a sandboxed kernel gets on this machine, found by starting
    the launcher once in probe mode."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="adamcourse-probe-", dir=probe_dir) as root:
        out = subprocess.run(
            [*launcher_command(str(Path(__file__).resolve().parents[3])),
             "--root", root, "--limits", json.dumps(Limits().__dict__), "--probe"],
            capture_output=True, text=True, timeout=60, env=_kernel_env(root),
        )
    if out.returncode != 0:
        raise RuntimeError(f"The grading sandbox could not start on this machine:\n{out.stderr.strip()}")
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def _kernel_env(root: str) -> dict[str, str]:
    """A clean environment: nothing of the grader's (tokens, paths) leaks in;
    every cache and config folder points into the sandbox."""
    env = {
        "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
        "HOME": root, "TMPDIR": root, "IPYTHONDIR": os.path.join(root, ".ipython"),
        "MPLCONFIGDIR": os.path.join(root, ".matplotlib"), "JUPYTER_RUNTIME_DIR": root,
        "JUPYTER_CONFIG_DIR": os.path.join(root, ".jupyter"), "JUPYTER_DATA_DIR": os.path.join(root, ".jupyter-data"),
        "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
        # one thread each: parallel graders share the cores, and BLAS thread pools reserve memory
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if "VIRTUAL_ENV" in os.environ:
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    return env


# --- The grader's side: a kernel manager that starts kernels through the launcher ---------

try:  # the grading extras; the rest of this module works without them
    import zmq
    from jupyter_client import AsyncKernelManager
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.kernelspec import KernelSpec
except ImportError:  # pragma: no cover - exercised only without the grading extras
    AsyncKernelManager = AsyncKernelClient = object  # type: ignore[misc,assignment]


def launcher_command(library: str) -> list[str]:
    """The command that starts the launcher with ``library`` (a folder holding
    an ``adamcourse`` package) first on its path. ``-I``: no current folder,
    no PYTHON* variables, no user site, so nothing a submission left in its
    folder is imported before the sandbox is in place."""
    boot = ("import sys; sys.path.insert(0, sys.argv[sys.argv.index('--library') + 1]); "
            "from adamcourse.grading.sandbox.launcher import main; main()")
    return [sys.executable, "-I", "-c", boot, "--library", library]


class CappedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets refuse oversized messages: a kernel that
    prints a gigabyte in one go is disconnected instead of filling the
    grader's memory."""

    max_message_bytes = 8 * 1024 * 1024

    def _create_connected_socket(self, channel, identity=None):
        # jupyter_client's own method, with the size cap set before connecting
        # (ZeroMQ applies it to connections made afterwards only)
        from jupyter_client.connect import channel_socket_types

        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        sock.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        if identity:
            sock.identity = identity
        if getattr(self, "curve_publickey", None) is not None:
            sock.curve_secretkey, sock.curve_publickey = self.curve_secretkey, self.curve_publickey
            sock.curve_serverkey = self.curve_publickey
        if channel == "iopub":
            # ZeroMQ drops an oversized message by disconnecting: watch for that
            self._iopub_monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        sock.connect(self._make_url(channel))
        return sock

    async def dropped_output(self) -> bool:
        """Whether the kernel sent a message over the size cap since the last call."""
        monitor, dropped = getattr(self, "_iopub_monitor", None), False
        while monitor is not None and await monitor.poll(0):
            await monitor.recv_multipart()
            dropped = True
        return dropped


class SandboxKernelManager(AsyncKernelManager):
    """Starts an IPython kernel through ``python -m adamcourse.grading.sandbox.launcher``, in
    ``root``, with ``limits``, a clean environment and Unix-socket transport."""

    def __init__(self, root: str, limits: Limits, library: str, log: str, **kwargs):
        root = os.path.realpath(root)
        super().__init__(transport="ipc", ip=os.path.join(root, "k"), kernel_name="adamcourse-sandbox",
                         client_class="adamcourse.grading.sandbox.grader.CappedKernelClient", **kwargs)
        self.connection_file = os.path.join(root, "kernel.json")
        self._sandbox_root, self._log = root, log
        self._sandbox_spec = KernelSpec(argv=[*launcher_command(library), "--root", root, "--limits",
                                              json.dumps(limits.__dict__), "--", "-f", "{connection_file}"],
                                        display_name="adamcourse sandbox", language="python", env={})

    @property
    def kernel_spec(self):
        return self._sandbox_spec

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = _kernel_env(self._sandbox_root)
        kw["cwd"] = self._sandbox_root
        # The kernel's own stdout/stderr (not the notebook's output) go to a
        # file in the sandbox, capped by RLIMIT_FSIZE, never to the grader's terminal.
        # The log sits outside the kernel's folder and must be new: nothing the
        # kernel planted (a symlink, a FIFO) is ever opened for writing.
        log = os.open(self._log, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        kw["stdout"] = kw["stderr"] = log
        kw["stdin"] = subprocess.DEVNULL
        try:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            os.close(log)

    def exit_status(self) -> int | None:
        """The kernel process's exit status (negative: killed by that signal)."""
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()
