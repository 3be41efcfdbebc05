"""The launcher: confine this process, then start an IPython kernel in it.

    python -I -c BOOT --library DIR --root DIR --limits JSON [--uid N] [--contained] -- -f CONNECTION_FILE

Runs as its own process, started by the grader (:mod:`.grader`), normally
inside bubblewrap (:mod:`.bubblewrap`, ``--contained``), which already gave
it its own namespaces and file tree. Before the kernel starts, and before
any learner code, it applies, in a way that cannot be undone from inside:

- memory: ``RLIMIT_AS`` (allocations beyond it raise ``MemoryError``);
- CPU time: ``RLIMIT_CPU`` (a backstop; the grader's wall-clock limit acts first);
- file size: ``RLIMIT_FSIZE`` (no disk-filling files); no core dumps;
- processes: ``RLIMIT_NPROC`` (threads count too); it holds for any user but
  root, so a root grader's kernel first becomes ``--uid`` (given by the
  grader, which also made the working folder that user's);
- no new user namespaces: a seccomp filter (x86-64 and arm64), so the kernel
  cannot gain namespaced privileges (and mount an unlimited tmpfs) inside;
- network: outside bubblewrap, a fresh, empty network namespace when the
  system allows one (``unshare``); Landlock's TCP rules (Linux 6.7+) either way;
- files: Landlock (Linux 5.13+) lets the kernel write only inside its own
  working directory, and read only that directory, the Python installation
  and the system's library folders;
- signals: Landlock (Linux 6.12+) stops it from signalling processes outside.

Where Landlock is missing, a Python audit hook blocks writes and deletions
outside the directory and socket connections; Python's documentation is clear
that audit hooks are no security boundary, so the grader reports which layers
are active (:func:`.grader.isolation`).
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import json
import os
import platform
import resource
import struct
import sys

from adamcourse.grading.sandbox.limits import Limits

__all__ = ["confine", "landlock_abi", "main"]

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
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)


@functools.cache
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
    attr = _RulesetAttr(
        handled_fs,
        _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0,
        _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0,
    )
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


# --- seccomp: no new user namespaces --------------------------------------------------

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_CLONE_NEWUSER = 0x10000000
# (audit architecture, unshare, clone, clone3) as the kernel numbers them
_ARCHES = {
    "x86_64": (0xC000003E, 272, 56, 435),
    "aarch64": (0xC00000B7, 97, 220, 435),
    "arm64": (0xC00000B7, 97, 220, 435),
}


def _seccomp_program(arch: int, unshare: int, clone: int, clone3: int) -> bytes:
    """A classic BPF program: ``unshare`` and ``clone`` with CLONE_NEWUSER fail
    with EPERM; ``clone3`` (whose flags sit in memory a filter cannot read)
    fails with ENOSYS, so the C library falls back to ``clone``; system calls of
    another architecture (x32, or i386 through ``int 0x80``) fail; the rest run."""
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    program = [
        (ld, 0, 0, 4),  # 0: the architecture
        (jeq, 0, 9, arch),  # 1: another one -> 11
        (ld, 0, 0, 0),  # 2: the system call's number
        (jge, 7, 0, 0x40000000),  # 3: x32 -> 11
        (jeq, 7, 0, clone3),  # 4: -> 12
        (jeq, 2, 0, unshare),  # 5: -> 8
        (jeq, 1, 0, clone),  # 6: -> 8
        (ret, 0, 0, allow),  # 7
        (ld, 0, 0, 16),  # 8: the low 32 bits of the flags (first argument)
        (jset, 1, 0, _CLONE_NEWUSER),  # 9: -> 11
        (ret, 0, 0, allow),  # 10
        (ret, 0, 0, eperm),  # 11
        (ret, 0, 0, enosys),  # 12
    ]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


def _no_new_user_namespaces() -> bool:
    """Install :func:`_seccomp_program` on this process and its children."""
    numbers = _ARCHES.get(platform.machine()) if sys.platform.startswith("linux") else None
    if numbers is None:
        return False
    code = _seccomp_program(*numbers)
    buffer = ctypes.create_string_buffer(code, len(code))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = _Program(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) == 0


# --- The fallback when Landlock is missing: an audit hook -------------------------------


def _audit_guard(root: str, guard_files: bool, guard_network: bool, guard_signals: bool = True) -> None:
    """Block writes/deletions outside ``root``, network sockets and signals to
    other processes, from Python."""
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
            elif (
                event
                in (
                    "os.remove",
                    "os.rmdir",
                    "os.mkdir",
                    "os.truncate",
                    "os.chmod",
                    "os.chown",
                    "os.symlink",
                    "os.link",
                    "shutil.rmtree",
                    "os.utime",
                )
                and args
                and not inside(args[0])
            ):
                raise PermissionError(f"the grading sandbox allows changing files only inside {root}")
            elif event == "os.rename" and not (inside(args[0]) and inside(args[1])):
                raise PermissionError(f"the grading sandbox allows changing files only inside {root}")
        if guard_network and event in ("socket.connect", "socket.bind", "socket.sendto"):
            if getattr(args[0], "family", None) in (socket.AF_INET, socket.AF_INET6):
                raise PermissionError("the grading sandbox has no network")
        if guard_signals and event in ("os.kill", "os.killpg") and args[0] not in (0, os.getpid()):
            raise PermissionError("the grading sandbox does not allow signalling other processes")

    sys.addaudithook(hook)


# --- The launcher ----------------------------------------------------------------------


def _read_dirs(library: str) -> list[str]:
    """Folders a kernel needs to read: the Python installation, the installed
    packages, the kernel's copy of the course library (not the real one, nor
    the repository around it) and the system's libraries and configuration."""
    dirs = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        library,
        "/usr",
        "/lib",
        "/lib64",
        "/lib32",
        "/bin",
        "/sbin",
        "/etc",
        "/proc",
        "/sys/devices/system/cpu",
        "/dev",
    }
    for entry in sys.path:
        if (
            entry
            and os.path.isdir(entry)
            and ("site-packages" in entry or "dist-packages" in entry or entry.startswith(sys.base_prefix))
        ):
            dirs.add(entry)
    return sorted(os.path.realpath(d) for d in dirs)


def _become(uid: int) -> None:
    """Give up root for ``uid`` (and the same group, no others); with it go
    every capability and any way back (bubblewrap set no-new-privileges)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid):
        raise OSError(f"could not become user {uid}")


def confine(root: str, limits: Limits, library: str, uid: int | None = None, contained: bool = False) -> list[str]:
    """Apply every available layer to this process; returns the active ones.

    ``uid``: the user to become when started as root; ``contained``: bubblewrap
    already gave this process empty network and PID namespaces."""
    layers = []
    mib = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mib,) * 2)
    cpu = int(limits.time_s * 4 + limits.startup_s)  # a backstop for the wall clock
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * mib,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    layers += ["memory (RLIMIT_AS)", "CPU time (RLIMIT_CPU)", "file size (RLIMIT_FSIZE)"]
    if uid is not None and os.geteuid() == 0:
        _become(uid)
    # RLIMIT_NPROC counts a user's processes: per sandbox inside bubblewrap (a user of
    # its own, or a user namespace of its own), but every process of the grader's user
    # outside it; and root's processes are never held to it. Say so rather than claim it.
    if contained and os.geteuid() != 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes,) * 2)
        layers.append(f"processes (RLIMIT_NPROC {limits.processes})")
    else:
        layers.append(
            "processes (not limited: "
            + ("the kernel runs as root)" if os.geteuid() == 0 else "only bubblewrap gives each kernel its own count)")
        )
    if not contained and _new_network_namespace():
        layers.append("network (empty namespace)")
    landlocked = _landlock([root], _read_dirs(library), [os.devnull])
    layers += landlocked
    if _no_new_user_namespaces():
        layers.append("no new user namespaces (seccomp)")
    guard_files = not landlocked
    guard_network = not contained and "network (empty namespace)" not in layers and "TCP (Landlock)" not in layers
    # in its own PID namespace (or scoped by Landlock) a kernel can signal only what it
    # started: let it stop its own subprocesses
    guard_signals = not contained and "signals (Landlock)" not in layers
    _audit_guard(root, guard_files, guard_network, guard_signals)
    if guard_files:
        layers.append("files (audit hook only: not a security boundary)")
    if guard_network:
        layers.append("network (audit hook only: not a security boundary)")
    return layers


def main(argv: list[str] | None = None) -> None:
    """``python -m adamcourse.grading.sandbox.launcher --root DIR --limits JSON -- -f CONNECTION_FILE``:
    confine this process, then run an IPython kernel in it."""
    parser = argparse.ArgumentParser(prog="python -m adamcourse.grading.sandbox.launcher")
    parser.add_argument("--root", required=True)
    parser.add_argument("--limits", required=True, help="Limits as JSON")
    parser.add_argument("--library", required=True, help="the folder holding the kernel's copy of adamcourse")
    parser.add_argument("--uid", type=int, default=None, help="the user to become when started as root")
    parser.add_argument("--contained", action="store_true", help="started by bubblewrap (own namespaces)")
    parser.add_argument("--probe", action="store_true", help="print the active layers as JSON and exit")
    parser.add_argument("kernel_args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    root = os.path.realpath(options.root)
    # ipykernel exits when its parent is not this pid; inside a PID namespace it never is
    os.environ.pop("JPY_PARENT_PID", None)
    layers = confine(
        root, Limits(**json.loads(options.limits)), os.path.realpath(options.library), options.uid, options.contained
    )
    if options.probe:
        print(json.dumps(layers))
        return
    os.chdir(root)
    args = [a for a in options.kernel_args if a != "--"]
    # One print of a gigabyte is cut here, to just over the grader's output
    # budget, so the grader stops it like any other flood of output.
    from adamcourse.grading.sandbox.kernel import CappedOutStream

    CappedOutStream.max_write = Limits(**json.loads(options.limits)).output_kb * 1024 + 1024
    sys.argv = [
        "ipykernel_launcher",
        *args,
        "--IPKernelApp.outstream_class=adamcourse.grading.sandbox.kernel.CappedOutStream",
    ]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
