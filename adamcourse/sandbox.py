"""Run untrusted notebook code in a confined Jupyter kernel.

A graded submission is code written by someone else, so it runs in its own
kernel process, started through this module's launcher
(``python -m adamcourse.sandbox``), which confines the process before the
kernel starts and cannot be undone from inside:

- memory: ``RLIMIT_AS`` (allocations beyond it raise ``MemoryError``);
- CPU time: ``RLIMIT_CPU`` (a backstop; the grader's wall-clock limit acts first);
- file size: ``RLIMIT_FSIZE`` (no disk-filling files); no core dumps;
- network: a fresh, empty network namespace when the system allows one
  (``unshare``), and Landlock's TCP rules (Linux 6.7+) either way;
- files: Landlock (Linux 5.13+) lets the kernel write only inside its own
  working directory, and read only that directory, the Python installation
  and the system's library folders: not the course's notebooks, not other
  submissions, not the grader's files;
- signals: Landlock (Linux 6.12+) stops it from signalling processes outside
  the sandbox, such as the grader.

The kernel talks to the grader over Unix sockets in its own directory (the
``ipc`` transport), which work without a network. Where Landlock is missing,
a Python audit hook blocks writes and deletions outside the directory and
socket connections; Python's documentation is clear that audit hooks are no
security boundary, so :func:`isolation` reports which layers are active and
``adamcourse grade`` prints it. The grader's side, output caps and wall
clock, lives in :class:`SandboxKernelManager` and ``adamcourse.grading``.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Limits", "isolation", "SandboxKernelManager", "kill_descendants", "become_subreaper", "main"]


@dataclass(frozen=True)
class Limits:
    """What one submission may use.

    Parameters
    ----------
    time_s : float
        Wall-clock seconds for one exercise: its solution cell plus running
        the function on every test case.
    memory_mb : int
        Address-space limit of the kernel process, in MiB.
    output_kb : int
        Output (stdout, stderr, displays) kept per exercise, in KiB; more
        stops the exercise.
    file_mb : int
        Largest file the kernel may write, in MiB.
    startup_s : float
        Seconds a kernel may take to start.
    """

    time_s: float = 30.0
    memory_mb: int = 2048
    output_kb: int = 512
    file_mb: int = 64
    startup_s: float = 60.0

    def __post_init__(self):
        for name in ("time_s", "memory_mb", "output_kb", "file_mb", "startup_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}.")
        if self.memory_mb < 256:
            raise ValueError(f"Limits.memory_mb={self.memory_mb} is too small for a Python kernel; use 256 or more.")


# --- Landlock, through its three system calls ----------------------------------------

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # same on x86-64 and arm64
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_CHILD_SUBREAPER = 36

_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 14, 1 << 15
_READ = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@functools.lru_cache(maxsize=None)
def _libc():
    return ctypes.CDLL(None, use_errno=True)


@functools.lru_cache(maxsize=None)
def landlock_abi() -> int:
    """The kernel's Landlock ABI version, or 0 where Landlock is unavailable."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(int(version), 0)


def _landlock(write_dirs: list[str], read_dirs: list[str], rw_files: list[str]) -> list[str]:
    """Restrict this process and its children: write only under ``write_dirs``,
    read only under those and ``read_dirs``; no TCP; no signals out. Returns
    the names of the layers applied (empty where Landlock is unavailable)."""
    abi = landlock_abi()
    if abi < 1:
        return []
    libc = _libc()
    handled_fs = (1 << {1: 13, 2: 14, 3: 15, 4: 15}.get(abi, 16)) - 1
    attr = _RulesetAttr(handled_fs, _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0,
                        _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")

    def allow(path: str, access: int) -> None:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return  # a folder this system does not have
        try:
            if not os.path.isdir(path):
                access &= _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
            rule = _PathBeneathAttr(access & handled_fs, fd)
            if libc.syscall(_SYS_ADD_RULE, ruleset, 1, ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
        finally:
            os.close(fd)

    for path in read_dirs:
        allow(path, _READ)
    for path in rw_files:
        allow(path, _READ | _FS_WRITE_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV)
    for path in write_dirs:
        allow(path, handled_fs)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(ruleset)
    layers = ["files (Landlock)"]
    if abi >= 4:
        layers.append("TCP (Landlock)")
    if abi >= 6:
        layers.append("signals (Landlock)")
    return layers


def _new_network_namespace() -> bool:
    """Move this (single-threaded) process into an empty network namespace."""
    if not sys.platform.startswith("linux"):
        return False
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    libc = _libc()
    flags = clone_newnet if os.geteuid() == 0 else clone_newnet | clone_newuser
    return libc.unshare(flags) == 0


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


# --- The fallback when Landlock is missing: an audit hook -------------------------------


def _audit_guard(root: str, guard_files: bool, guard_network: bool) -> None:
    """Block writes/deletions outside ``root`` and network sockets, from Python."""
    import socket

    root = os.path.realpath(root)
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def inside(path) -> bool:
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return real == root or real.startswith(root + os.sep) or real == os.devnull

    def hook(event, args):
        if guard_files:
            if event == "open" and args[0] is not None and not isinstance(args[0], int):
                mode, flags = args[1], args[2]
                if ((mode and any(c in mode for c in "wax+")) or (flags & writes)) and not inside(args[0]):
                    raise PermissionError(f"the grading sandbox allows writing only inside {root}")
            elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown", "os.symlink",
                           "os.link", "shutil.rmtree", "os.utime") and args and not inside(args[0]):
                raise PermissionError(f"the grading sandbox allows changing files only inside {root}")
            elif event == "os.rename" and not (inside(args[0]) and inside(args[1])):
                raise PermissionError(f"the grading sandbox allows changing files only inside {root}")
        if guard_network and event in ("socket.connect", "socket.bind", "socket.sendto"):
            if getattr(args[0], "family", None) in (socket.AF_INET, socket.AF_INET6):
                raise PermissionError("the grading sandbox has no network")
        if event in ("os.kill", "os.killpg") and args[0] not in (0, os.getpid()):
            raise PermissionError("the grading sandbox does not allow signalling other processes")

    sys.addaudithook(hook)


# --- The launcher ----------------------------------------------------------------------


def _read_dirs() -> list[str]:
    """Folders a kernel needs to read: the Python installation, the installed
    packages (this package's folder only, not the repository around it) and
    the system's libraries and configuration."""
    import adamcourse

    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)),
            os.path.dirname(adamcourse.__file__), "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc",
            "/proc", "/sys/devices/system/cpu", "/dev"}
    for entry in sys.path:
        if entry and os.path.isdir(entry) and ("site-packages" in entry or "dist-packages" in entry or entry.startswith(sys.base_prefix)):
            dirs.add(entry)
    return sorted(os.path.realpath(d) for d in dirs)


def confine(root: str, limits: Limits) -> list[str]:
    """Apply every available layer to this process; returns the active ones."""
    layers = []
    mib = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mib,) * 2)
    cpu = int(limits.time_s * 4 + limits.startup_s)  # a backstop for the wall clock
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * mib,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    layers += ["memory (RLIMIT_AS)", "CPU time (RLIMIT_CPU)", "file size (RLIMIT_FSIZE)"]
    if _new_network_namespace():
        layers.append("network (empty namespace)")
    landlocked = _landlock([root], _read_dirs(), [os.devnull])
    layers += landlocked
    guard_files = not landlocked
    guard_network = "network (empty namespace)" not in layers and "TCP (Landlock)" not in layers
    _audit_guard(root, guard_files, guard_network)
    if guard_files:
        layers.append("files (audit hook only: not a security boundary)")
    if guard_network:
        layers.append("network (audit hook only: not a security boundary)")
    return layers


def main(argv: list[str] | None = None) -> None:
    """``python -m adamcourse.sandbox --root DIR --limits JSON -- -f CONNECTION_FILE``:
    confine this process, then run an IPython kernel in it."""
    parser = argparse.ArgumentParser(prog="python -m adamcourse.sandbox")
    parser.add_argument("--root", required=True)
    parser.add_argument("--limits", required=True, help="Limits as JSON")
    parser.add_argument("--probe", action="store_true", help="print the active layers as JSON and exit")
    parser.add_argument("kernel_args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    root = os.path.realpath(options.root)
    layers = confine(root, Limits(**json.loads(options.limits)))
    if options.probe:
        print(json.dumps(layers))
        return
    os.chdir(root)
    args = [a for a in options.kernel_args if a != "--"]
    # One print of a gigabyte is cut here, to just over the grader's output
    # budget, so the grader stops it like any other flood of output.
    CappedOutStream.max_write = Limits(**json.loads(options.limits)).output_kb * 1024 + 1024
    sys.argv = ["ipykernel_launcher", *args, "--IPKernelApp.outstream_class=adamcourse.sandbox.CappedOutStream"]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


@functools.lru_cache(maxsize=None)
def isolation(probe_dir: str | None = None) -> tuple[str, ...]:
    """The layers a sandboxed kernel gets on this machine, found by starting
    the launcher once in probe mode."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="adamcourse-probe-", dir=probe_dir) as root:
        out = subprocess.run(
            [sys.executable, "-m", "adamcourse.sandbox", "--root", root, "--limits", json.dumps(Limits().__dict__), "--probe"],
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


try:
    from ipykernel.iostream import OutStream
except ImportError:  # pragma: no cover - only without the grading extras
    OutStream = object  # type: ignore[misc,assignment]


class CappedOutStream(OutStream):
    """The kernel's stdout/stderr, cutting any single write to ``max_write``
    characters (the kernel cannot then build a gigabyte-sized message)."""

    max_write = 1 << 20

    def write(self, string):
        if isinstance(string, str) and len(string) > self.max_write:
            string = string[: self.max_write]
        return super().write(string)


# --- The grader's side: a kernel manager that starts kernels through the launcher ---------

try:  # the grading extras; the rest of this module works without them
    import zmq
    from jupyter_client import AsyncKernelManager
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.kernelspec import KernelSpec
except ImportError:  # pragma: no cover - exercised only without the grading extras
    AsyncKernelManager = AsyncKernelClient = object  # type: ignore[misc,assignment]


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
    """Starts an IPython kernel through ``python -m adamcourse.sandbox``, in
    ``root``, with ``limits``, a clean environment and Unix-socket transport."""

    def __init__(self, root: str, limits: Limits, **kwargs):
        root = os.path.realpath(root)
        super().__init__(transport="ipc", ip=os.path.join(root, "k"), kernel_name="adamcourse-sandbox",
                         client_class="adamcourse.sandbox.CappedKernelClient", **kwargs)
        self.connection_file = os.path.join(root, "kernel.json")
        self._sandbox_root = root
        self._sandbox_spec = KernelSpec(
            argv=[sys.executable, "-m", "adamcourse.sandbox", "--root", root, "--limits", json.dumps(limits.__dict__),
                  "--", "-f", "{connection_file}"],
            display_name="adamcourse sandbox", language="python", env={},
        )

    @property
    def kernel_spec(self):
        return self._sandbox_spec

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = _kernel_env(self._sandbox_root)
        kw["cwd"] = self._sandbox_root
        # The kernel's own stdout/stderr (not the notebook's output) go to a
        # file in the sandbox, capped by RLIMIT_FSIZE, never to the grader's terminal.
        log = open(os.path.join(self._sandbox_root, "kernel.log"), "ab")
        kw["stdout"] = kw["stderr"] = log
        kw["stdin"] = subprocess.DEVNULL
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    def exit_status(self) -> int | None:
        """The kernel process's exit status (negative: killed by that signal)."""
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()


# --- Inside the kernel: run the learner's function on the grader's cases --------------------
#
# Only plain data crosses between the kernel and the grader, as JSON: numbers,
# strings, lists, and these tagged forms. Nothing is unpickled, and the grader
# decodes results without ever calling code from the kernel.

_MAX_ELEMENTS = 1_000_000  # a returned array larger than this is not shipped back
_ARRAY_KINDS = "biuf"


def encode(value, _depth: int = 0):
    """A value as JSON-ready plain data (arrays, tuples and dicts tagged)."""
    import numpy as np

    if _depth > 20:
        return {"__unsupported__": "nesting deeper than 20 levels"}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in _ARRAY_KINDS:
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _ARRAY_KINDS:
            return {"__unsupported__": f"array of dtype {value.dtype}"}
        if value.size > _MAX_ELEMENTS:
            return {"__unsupported__": f"array of shape {value.shape}, too large to compare"}
        return {"__ndarray__": np.asarray(value).tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, _depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, _depth + 1) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, _depth + 1), encode(v, _depth + 1)] for k, v in value.items()]}
    if callable(value) and getattr(value, "__module__", "").startswith("adamcourse") and "<" not in value.__qualname__:
        return {"__function__": f"{value.__module__}:{value.__qualname__}"}
    return {"__unsupported__": type(value).__name__}


class _Unsupported:
    """Stands for a value that could not be shipped: judged as a wrong answer."""

    def __init__(self, what: str):
        self.what = what

    def __repr__(self):
        return f"<{self.what}>"


def decode(data, *, allow_functions: bool = False, _depth: int = 0):
    """The inverse of :func:`encode`. Library functions are looked up by name
    only with ``allow_functions`` (the kernel reading the grader's cases);
    the grader never does that with what a kernel sent."""
    import numpy as np

    if _depth > 22:
        raise ValueError("nesting too deep")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, allow_functions=allow_functions, _depth=_depth + 1) for v in data]
    if not isinstance(data, dict):
        raise ValueError(f"unexpected {type(data).__name__}")
    if "__ndarray__" in data:
        dtype = np.dtype(str(data["dtype"]))
        if dtype.kind not in _ARRAY_KINDS:
            raise ValueError(f"dtype {dtype} not allowed")
        array = np.array(data["__ndarray__"], dtype=dtype)
        if list(array.shape) != list(data["shape"]):
            raise ValueError("array shape does not match its data")
        return array
    if "__tuple__" in data:
        return tuple(decode(v, allow_functions=allow_functions, _depth=_depth + 1) for v in data["__tuple__"])
    if "__dict__" in data:
        return {decode(k, _depth=_depth + 1): decode(v, allow_functions=allow_functions, _depth=_depth + 1)
                for k, v in data["__dict__"]}
    if "__function__" in data and allow_functions:
        import importlib

        module, qualname = str(data["__function__"]).split(":")
        if not module.startswith("adamcourse"):
            raise ValueError("only the course library's functions can be shipped")
        target = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
        return target
    return _Unsupported(str(data.get("__unsupported__", "a value that could not be shipped")))


def _library_entries(run, library_dir: str):
    """Run ``run()`` and record the course-library functions that code outside
    the library called directly (``Adam.__post_init__``, ``ema``...)."""
    entries = set()

    def profile(frame, event, arg):
        if event == "call":
            code = frame.f_code
            caller = frame.f_back
            if code.co_filename.startswith(library_dir) and caller is not None and not caller.f_code.co_filename.startswith(library_dir):
                entries.add(getattr(code, "co_qualname", code.co_name))

    sys.setprofile(profile)
    try:
        return run(), entries
    finally:
        sys.setprofile(None)


def run_exercise(namespace: dict, function_name: str, cases_path: str, results_path: str) -> None:
    """Call ``namespace[function_name]`` on each case from ``cases_path`` and
    write what it returned (and its arguments afterwards, to spot in-place
    changes) to ``results_path``. Runs in the sandboxed kernel; the grader
    judges the file in its own process."""
    import copy

    import numpy as np

    library_dir = os.path.dirname(os.path.abspath(__file__)) + os.sep
    fn = namespace.get(function_name)
    report: dict = {"function": function_name}
    if fn is None:
        report["status"] = "missing"
    elif not callable(fn):
        report["status"] = "not callable"
        report["type"] = type(fn).__name__
    else:
        with open(cases_path, encoding="utf-8") as file:
            cases = decode(json.load(file), allow_functions=True)
        report["status"] = "ran"
        report["calls"] = calls = []
        report["library_calls"] = library_calls = set()
        for args in cases:
            given = copy.deepcopy(args)
            try:
                with np.errstate(all="ignore"):
                    got, entries = _library_entries(lambda: fn(*given), library_dir)
                library_calls |= entries
            except NotImplementedError:
                calls.append({"not_implemented": True})
                break
            except BaseException as error:  # SystemExit too: the learner's code ends here
                calls.append({"error": f"{type(error).__name__}: {str(error)[:500]}"})
                break
            calls.append({"value": encode(got), "args_after": encode(tuple(given))})
        report["library_calls"] = sorted(library_calls)
    with open(results_path, "w", encoding="utf-8") as file:
        json.dump(report, file)


if __name__ == "__main__":
    main()
