"""The outer wall: every grading kernel runs under bubblewrap (``bwrap``).

bubblewrap is the sandbox Flatpak is built on: a small, audited program,
packaged by Debian, Ubuntu, Fedora and Arch, that starts one command in new
Linux namespaces. :func:`command` asks it for

- new mount, PID, network, IPC and UTS namespaces (and a cgroup namespace
  where the kernel has them): the kernel sees only its own processes, has no
  network at all (not even the host's loopback or abstract Unix sockets) and
  cannot signal anything outside;
- a file system built from nothing: the Python environment the grader runs
  in (``sys.prefix``, ``sys.base_prefix``, the site-packages folders) and the
  kernel's copy of the course library, read-only; the system's ``/usr`` and
  the few files of ``/etc`` a Python program needs; its own ``/proc``; a
  minimal ``/dev``; a small ``/tmp`` and ``/dev/shm`` of its own; and one
  fresh, empty working folder per kernel start, bound read-write at the same
  path (so the Unix-socket files the grader connects to are the same files
  inside and out). No host ``/tmp``, ``/run``, ``/home``, ``/root`` or
  sockets; the root of the tree is read-only;
- ``--die-with-parent`` and a PID namespace: killing the bwrap process ends
  every process the submission started, ``setsid`` and double forks included;
- ``--new-session``: no terminal to inject keystrokes into.

Who the kernel runs as. An unprivileged grader gets a user namespace of its
own (``--unshare-user``) in which no further user namespace can be made
(``--disable-userns``). A grader running as root (CI, Gradescope) gets no
user namespace (in one, "root" would still own the host's root-owned files)
and no capabilities but the two the launcher needs to become an unused user
id (:func:`sandbox_uid`) before any learner code runs: then root-only files
are unreadable even where they are visible, and the process limit
(``RLIMIT_NPROC``, counted per user, or per user namespace since Linux 5.14)
holds, which it never does for root.

Inside the wall the launcher (:mod:`.launcher`) keeps its own layers:
resource limits (memory, CPU time, file size, processes), Landlock, and a
seccomp filter against new user namespaces; they are defence in depth.

Why not a container per submission, as otter-grader (``otter/grade/
containers.py``: one Docker container per notebook) and Gradescope do? A
container needs a daemon and root (or a rootless engine) that a teacher's
laptop and this project's CI do not have, and an image to build. bubblewrap
gives the same kernel mechanisms (namespaces, a private root, a PID
namespace that dies with its parent) for one kernel process, in about 10 ms,
from a distribution package. Otter also runs its grading code, hidden tests
included, inside the container next to the student's code and unpickles the
results it writes (``dill.load``); here only plain JSON crosses (:mod:`.wire`),
the cases arrive after the student's code ran and the verdict is computed
outside. On Gradescope the bundle runs this same wall inside Gradescope's
container when the image allows namespaces, and says so when it does not.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

__all__ = ["find", "version", "command", "sandbox_uid", "describe", "HOW_TO_GET_IT"]

HOW_TO_GET_IT = (
    "Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install "
    "bubblewrap`; Arch: `sudo pacman -S bubblewrap`), or grade on Gradescope (`adamcourse gradescope "
    "LESSON`), or grade inside a Linux virtual machine. macOS and Windows have no bubblewrap."
)

# What a Python program needs from /etc: the loader's cache, time zone, MIME
# types, Debian's alternatives (symbolic links). Not passwd, shadow, ssh, ssl.
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types", "alternatives")
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")


def find() -> str | None:
    """The ``bwrap`` program on ``PATH``, or None (macOS, Windows, some containers)."""
    if not sys.platform.startswith("linux"):
        return None
    return shutil.which("bwrap")


@functools.cache
def version(bwrap: str) -> str:
    """``bubblewrap 0.8.0``, as the program says it."""
    try:
        done = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "bubblewrap"
    return done.stdout.strip() or "bubblewrap"


@functools.cache
def _options(bwrap: str) -> frozenset:
    """The options this bwrap knows (older releases lack ``--size``, ``--perms``...)."""
    try:
        done = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(word for word in (done.stdout + done.stderr).split() if word.startswith("--"))


def sandbox_uid() -> int | None:
    """The user id a root grader's kernels run as: one no account uses,
    distinct for each grading process (so each kernel's process limit is its
    own), and mapped in this user namespace (containers map fewer ids).
    None when the grader is not root (its kernels keep its user id)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    ranges = []
    try:
        with open("/proc/self/uid_map") as file:
            for line in file:
                inside, _outside, count = (int(x) for x in line.split())
                ranges.append((inside, count))
    except (OSError, ValueError):
        ranges = [(0, 1 << 32)]
    for start, count in sorted(ranges, key=lambda r: -r[1]):
        # high ids first: 1.5e9 + pid where the whole range is mapped, else the top of a container's range
        for base, span in ((1_500_000_000, 1 << 22), (start + count // 2, count // 2 - 2)):
            if span > 0 and start <= base and base + span <= start + count - 1:
                return base + os.getpid() % span
    return 65534  # nobody: every kernel shares one process count


def _top_level(paths) -> list[str]:
    """The folders among ``paths`` that are not inside another one of them."""
    out: list[str] = []
    for path in sorted({os.path.realpath(p) for p in paths if p and os.path.isdir(p)}):
        if not any(path == kept or path.startswith(kept.rstrip("/") + "/") for kept in out):
            out.append(path)
    return out


def python_dirs() -> list[str]:
    """The folders of the Python environment a kernel needs, read-only: the
    interpreter and standard library, and the installed packages. Never the
    current folder or anything a PYTHONPATH added (the repository, say)."""
    dirs = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
    }
    for entry in sys.path:
        if entry and ("site-packages" in entry or "dist-packages" in entry or entry.startswith(sys.base_prefix)):
            dirs.add(entry)
    return _top_level(d for d in dirs if d != "/")


def command(bwrap: str, *, root: str, library: str, file_mb: int, uid: int | None) -> list[str]:
    """The bwrap arguments that run a command in a new sandbox around ``root``.

    Parameters
    ----------
    bwrap : str
        The program, from :func:`find`.
    root : str
        The kernel's fresh working folder (an absolute, real path), bound read-write.
    library : str
        The folder holding the kernel's copy of the course library, bound read-only.
    file_mb : int
        The file-size limit; ``/tmp`` holds four such files, ``/dev/shm`` one.
    uid : int or None
        :func:`sandbox_uid`: not None when bwrap runs as root.
    """
    known = _options(bwrap)
    args = [
        bwrap,
        "--die-with-parent",
        "--new-session",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--hostname",
        "sandbox",
    ]
    if "--unshare-cgroup-try" in known:
        args.append("--unshare-cgroup-try")
    if uid is None:
        args.append("--unshare-user")
        if "--disable-userns" in known:
            args.append("--disable-userns")
    else:  # root: no capabilities, except becoming `uid` (the launcher does that first)
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    mib = 1024 * 1024
    if {"--size", "--perms"} <= known:  # tmpfs in memory: capped, writable by the kernel's user
        args += [
            "--perms",
            "1777",
            "--size",
            str(4 * file_mb * mib),
            "--tmpfs",
            "/tmp",
            "--perms",
            "1777",
            "--size",
            str(file_mb * mib),
            "--tmpfs",
            "/dev/shm",
        ]
    else:  # older bwrap: an uncapped tmpfs would let a kernel fill the memory; use a folder on disk
        args += ["--bind", tmp_folder(root), "/tmp"]
    args += ["--remount-ro", "/dev"]
    for path in _SYSTEM:
        if os.path.islink(path):  # merged /usr: /bin -> usr/bin
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    # numpy and OpenBLAS read the number of processors from here
    args += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    system = tuple(p.rstrip("/") + "/" for p in _SYSTEM)
    made = {"/", "/tmp", "/dev", "/proc", "/sys"}

    def parents(path: str) -> list[str]:
        # bwrap makes a bind's missing parents mode 0700: the kernel's user could not
        # pass through them (a root grader's kernel is another user), so make them 0755
        out, parent = [], os.path.dirname(path)
        while parent not in made:
            out.insert(0, parent)
            parent = os.path.dirname(parent)
        made.update(out)
        return [arg for folder in out for arg in ("--perms", "0755", "--dir", folder)]

    for path in python_dirs():
        if not (path + "/").startswith(system):
            args += [*parents(path), "--ro-bind", path, path]
    args += [*parents(library), *parents(root)]
    # (no --chdir: a root grader's bwrap has no right to enter the folder it gave the
    # kernel's user; the launcher changes to it once it is that user)
    args += ["--ro-bind", library, library, "--bind", root, root, "--remount-ro", "/"]
    return args


def tmp_folder(root: str) -> str:
    """The folder on disk that older bwraps bind as the kernel's /tmp (beside ``root``)."""
    return root.rstrip("/") + ".tmp"


def describe(bwrap: str, uid: int | None) -> str:
    """One line for the grader's start line and ``adamcourse isolation``."""
    who = f"user {uid} without capabilities" if uid is not None else "its own user namespace, no nested ones"
    return (
        f"{version(bwrap)}: own mount, PID, network, IPC and UTS namespaces; a fresh working folder per kernel; "
        f"the Python environment and the library read-only; no host /tmp, /run, /home or sockets; {who}"
    )
