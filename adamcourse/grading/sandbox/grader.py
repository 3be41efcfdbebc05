"""The grader's side of the sandbox: start kernels inside bubblewrap through
the launcher, cap what comes back from them, and end every process they start.

The kernel runs in its own process, started by :class:`SandboxKernelManager`
as ``bwrap ... python -I -c BOOT ...`` (:mod:`.bubblewrap`, :mod:`.launcher`)
with a clean environment and Unix-socket transport. Nothing in the kernel's
folder is trusted or followed: the grader writes the connection file there
before the kernel exists, then opens each socket file once, checked to be a
socket and not a link, and talks to it through that open file (so a socket
file the kernel later swaps for a link, even on a reconnect, leads nowhere);
it reads no file back; it removes the folder without following links
(:func:`remove_tree`). :class:`CappedKernelClient` refuses oversized messages;
:meth:`SandboxKernelManager.kill_sandbox` ends the kernel's PID namespace, and
with it every process the submission started; :func:`kill_descendants` does
what it can where bubblewrap is missing.

Where bubblewrap is missing, :func:`isolation` raises :class:`IsolationMissing`
unless ``ADAMCOURSE_NO_ISOLATION=1`` (``adamcourse grade --no-isolation``)
says to run kernels with the launcher's own layers only.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from adamcourse.grading.sandbox import bubblewrap
from adamcourse.grading.sandbox.limits import Limits

__all__ = [
    "SandboxKernelManager",
    "CappedKernelClient",
    "isolation",
    "kill_descendants",
    "become_subreaper",
    "IsolationMissing",
    "unisolated",
    "remove_tree",
    "hold_socket",
    "NO_ISOLATION_ENV",
]

#: Set to 1 (by ``adamcourse grade --no-isolation``) to run kernels without bubblewrap.
NO_ISOLATION_ENV = "ADAMCOURSE_NO_ISOLATION"


class IsolationMissing(RuntimeError):
    """bubblewrap is missing or cannot start a sandbox here; the message says how to get it."""


def unisolated() -> bool:
    """Whether kernels run without bubblewrap (the instructor said so)."""
    return os.environ.get(NO_ISOLATION_ENV) == "1"


def _bwrap_or_refuse() -> str:
    bwrap = bubblewrap.find()
    if bwrap is None:
        raise IsolationMissing(
            "bubblewrap (`bwrap`) is not installed on this machine, so students' code would run "
            "with your own rights. " + bubblewrap.HOW_TO_GET_IT
        )
    return bwrap


_PR_SET_CHILD_SUBREAPER = 36


@functools.cache
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


def isolation(probe_dir: str | None = None) -> tuple[str, ...]:
    """The layers a kernel gets on this machine, found by starting the
    launcher once in probe mode, exactly as a kernel is started. Raises
    :class:`IsolationMissing` when bubblewrap is required but missing or broken."""
    return _isolation(None if unisolated() else _bwrap_or_refuse(), probe_dir)


@functools.cache
def _isolation(bwrap: str | None, probe_dir: str | None) -> tuple[str, ...]:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="adamcourse-probe-", dir=probe_dir) as root:
        root = os.path.realpath(root)
        library = str(Path(__file__).resolve().parents[3])  # the folder holding this adamcourse
        argv, uid = sandbox_command(bwrap, root, Limits(), library)
        _prepare_root(bwrap, root, uid)
        out = subprocess.run(
            [*argv, "--probe"],
            capture_output=True,
            text=True,
            timeout=60,
            env=_kernel_env(root),
            cwd=root,
            stdin=subprocess.DEVNULL,
        )
    if out.returncode != 0 or not out.stdout.strip():
        problem = out.stderr.strip()[-1500:] or f"exit status {out.returncode}"
        if bwrap is not None:
            raise IsolationMissing(
                f"bubblewrap is installed but could not start a sandbox here:\n{problem}\n"
                f"(Inside a container, bubblewrap needs one that allows new namespaces.) " + bubblewrap.HOW_TO_GET_IT
            )
        raise RuntimeError(f"The grading sandbox could not start on this machine:\n{problem}")
    layers = json.loads(out.stdout.strip().splitlines()[-1])
    first = (
        bubblewrap.describe(bwrap, uid)
        if bwrap is not None
        else "NO ISOLATION (--no-isolation): students' code runs as you, with these limits only"
    )
    return (first, *layers)


def sandbox_command(bwrap: str | None, root: str, limits: Limits, library: str) -> tuple[list[str], int | None]:
    """The command that starts the launcher for a kernel in ``root`` (up to
    the launcher's own options), and the user id the kernel will run as (None:
    the grader's)."""
    uid = bubblewrap.sandbox_uid() if bwrap is not None else None
    prefix = (
        bubblewrap.command(bwrap, root=root, library=library, file_mb=limits.file_mb, uid=uid)
        if bwrap is not None
        else []
    )
    argv = [*prefix, *launcher_command(library), "--root", root, "--limits", json.dumps(limits.__dict__)]
    if uid is not None:
        argv += ["--uid", str(uid)]
    if bwrap is not None:
        argv.append("--contained")
    return argv, uid


def _prepare_root(bwrap: str | None, root: str, uid: int | None) -> None:
    """Hand the fresh working folder (and, for older bwraps, its /tmp) to the kernel's user."""
    folders = [root] + (
        [bubblewrap.tmp_folder(root)]
        if bwrap is not None and not {"--size", "--perms"} <= bubblewrap._options(bwrap)
        else []
    )
    for folder in folders:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if uid is not None:
            os.chown(folder, uid, uid)


def remove_tree(path: str) -> None:
    """Remove a kernel's folder once its processes are gone. ``shutil.rmtree``
    never follows links on Linux (it walks with open folders); where a folder
    was made unreadable, only real folders get their permissions back (a link
    planted by the kernel is never chmod-ed, that would change its target)."""

    def fix(_function, failed, _info):
        for candidate in (os.path.dirname(failed), failed):
            try:
                if stat.S_ISDIR(os.lstat(candidate).st_mode):
                    os.chmod(candidate, 0o700)
            except OSError:
                pass

    for _ in range(2):
        if not os.path.lexists(path):
            return
        if sys.version_info >= (3, 12):
            shutil.rmtree(path, onexc=fix)
        else:
            shutil.rmtree(path, onerror=fix)


def _kernel_env(root: str) -> dict[str, str]:
    """A clean environment: nothing of the grader's (tokens, paths) leaks in;
    every cache and config folder points into the sandbox."""
    env = {
        "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
        "HOME": root,
        "TMPDIR": root,
        "IPYTHONDIR": os.path.join(root, ".ipython"),
        "MPLCONFIGDIR": os.path.join(root, ".matplotlib"),
        "JUPYTER_RUNTIME_DIR": root,
        "JUPYTER_CONFIG_DIR": os.path.join(root, ".jupyter"),
        "JUPYTER_DATA_DIR": os.path.join(root, ".jupyter-data"),
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
        # one thread each: parallel graders share the cores, and BLAS thread pools reserve memory
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "USER": "student",
        "LOGNAME": "student",
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
    boot = (
        "import sys; sys.path.insert(0, sys.argv[sys.argv.index('--library') + 1]); "
        "from adamcourse.grading.sandbox.launcher import main; main()"
    )
    return [sys.executable, "-I", "-c", boot, "--library", library]


class CappedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets refuse oversized messages (a kernel that
    prints a gigabyte in one go is disconnected instead of filling the
    grader's memory) and connect only to the socket files the manager checked
    and holds open (``socket_urls``)."""

    max_message_bytes = 8 * 1024 * 1024
    socket_urls: dict = {}

    def _make_url(self, channel: str) -> str:
        return self.socket_urls.get(channel) or super()._make_url(channel)

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


_CHANNELS = ("shell", "iopub", "stdin", "control", "hb")


class SandboxKernelManager(AsyncKernelManager):
    """Starts an IPython kernel in ``root`` through the launcher, inside
    bubblewrap (unless :func:`unisolated`), with ``limits``, a clean
    environment and Unix-socket transport. Raises :class:`IsolationMissing`
    when bubblewrap is required and missing."""

    def __init__(self, root: str, limits: Limits, library: str, log: str, **kwargs):
        root = os.path.realpath(root)
        super().__init__(
            transport="ipc",
            ip=os.path.join(root, "k"),
            kernel_name="adamcourse-sandbox",
            client_class="adamcourse.grading.sandbox.grader.CappedKernelClient",
            **kwargs,
        )
        self.connection_file = os.path.join(root, "kernel.json")
        self._bwrap = None if unisolated() else _bwrap_or_refuse()
        argv, self._uid = sandbox_command(self._bwrap, root, limits, library)
        self._sandbox_root, self._log, self._limits = root, log, limits
        self._socket_fds: dict[str, int] = {}
        self._sandbox_spec = KernelSpec(
            argv=[*argv, "--", "-f", "{connection_file}"], display_name="adamcourse sandbox", language="python", env={}
        )

    @property
    def kernel_spec(self):
        return self._sandbox_spec

    def write_connection_file(self, **kwargs) -> None:
        # written before the kernel exists, in a folder made for it a moment ago;
        # then it is the kernel's (ipykernel rewrites it), and never read back
        super().write_connection_file(**kwargs)
        if self._uid is not None:
            os.chown(self.connection_file, self._uid, self._uid)

    def _connect_control_socket(self) -> None:
        # jupyter_client connects this before the kernel has made its sockets;
        # the grader never needs it (it stops kernels by killing them)
        return None

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        _prepare_root(self._bwrap, self._sandbox_root, self._uid)
        kw["env"] = _kernel_env(self._sandbox_root)
        kw["cwd"] = self._sandbox_root
        # The kernel's own stdout/stderr (not the notebook's output) go to a
        # file, capped by RLIMIT_FSIZE, never to the grader's terminal.
        # The log sits outside the kernel's folder and must be new: nothing the
        # kernel planted (a symlink, a FIFO) is ever opened for writing.
        log = os.open(self._log, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        kw["stdout"] = kw["stderr"] = log
        kw["stdin"] = subprocess.DEVNULL
        try:
            info = await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            os.close(log)
        await self._hold_sockets()
        return info

    async def _hold_sockets(self) -> None:
        """Wait for the kernel's five socket files, check each is a socket (not a
        link, a FIFO or a file) and hold it open: the clients connect through
        ``/proc/self/fd/N``, which names that very socket whatever later
        happens to the file's name. (No learner code has run yet.)"""
        if not sys.platform.startswith("linux"):
            return  # no O_PATH: connect by name, as jupyter_client does
        deadline = time.monotonic() + self._limits.startup_s
        pending = {channel: f"{self.ip}-{getattr(self, f'{channel}_port')}" for channel in _CHANNELS}
        while pending:
            for channel, path in list(pending.items()):
                try:
                    self._socket_fds[channel] = hold_socket(path)
                except FileNotFoundError:
                    continue
                del pending[channel]
            if not pending:
                break
            status = self.exit_status()
            if status is not None:
                raise RuntimeError(f"The sandboxed kernel exited while starting (status {status}):\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"The sandboxed kernel did not start within {self._limits.startup_s:g} s:\n{self.log_tail()}"
                )
            await asyncio.sleep(0.02)

    @property
    def socket_urls(self) -> dict:
        return {channel: f"ipc:///proc/self/fd/{fd}" for channel, fd in self._socket_fds.items()}

    def _make_url(self, channel: str) -> str:
        return self.socket_urls.get(channel) or super()._make_url(channel)

    def client(self, **kwargs):
        client = super().client(**kwargs)
        client.socket_urls = self.socket_urls
        return client

    def log_tail(self, size: int = 2000) -> str:
        """The end of the kernel's log (the grader's own file, outside the kernel's folder)."""
        try:
            with open(self._log, "rb") as file:
                file.seek(max(0, os.fstat(file.fileno()).st_size - size))
                return file.read(size).decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def exit_status(self) -> int | None:
        """The kernel process's exit status (negative: killed by that signal)."""
        process = getattr(self.provisioner, "process", None)
        status = None if process is None else process.poll()
        if status is not None and status > 128 and self._bwrap is not None:
            status = 128 - status  # bwrap reports a child killed by signal N as 128 + N
        return status

    def kill_sandbox(self, timeout: float = 10.0) -> None:
        """SIGKILL the kernel and every process it started, and wait until they
        are gone. Under bubblewrap, the kernel's PID namespace ends with its
        first process (bwrap's child): Linux kills everything left in it, setsid
        and double forks included, before that process is fully dead."""
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            inits = _children(process.pid) if self._bwrap is not None else []
            for pid in inits:
                _kill(pid)
            try:  # bwrap, or the kernel itself, leads a session of its own
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                _kill(process.pid)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
            deadline = time.monotonic() + timeout
            while any(_alive(pid) for pid in inits) and time.monotonic() < deadline:
                time.sleep(0.01)

    def release_sockets(self) -> None:
        """Close the socket files held open; only once every client socket is
        closed (a reconnect through a reused descriptor number would land elsewhere)."""
        for fd in self._socket_fds.values():
            os.close(fd)
        self._socket_fds.clear()

    def remove_folders(self) -> None:
        """Remove the kernel's folder (and an older bwrap's /tmp for it) without following links."""
        remove_tree(self._sandbox_root)
        remove_tree(bubblewrap.tmp_folder(self._sandbox_root))


def hold_socket(path: str) -> int:
    """Open the Unix socket file at ``path`` as an ``O_PATH`` descriptor, refusing
    a link, a FIFO or any other kind of file. ``/proc/self/fd/N`` then names this
    very socket (connecting through it never follows the name again)."""
    fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)  # (O_PATH opens a link itself: checked next)
    kind = os.fstat(fd).st_mode
    if not stat.S_ISSOCK(kind):
        os.close(fd)
        raise RuntimeError(f"The kernel's socket file {path} is not a socket: refused.")
    return fd


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            return [int(p) for p in file.read().split()]
    except (OSError, ValueError):
        return []


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False
