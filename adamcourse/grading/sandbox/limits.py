"""What one submission may use: time, memory, output, file size and processes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


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
    processes : int
        Processes and threads the kernel and everything it starts may have at
        once (a fork bomb stops there); TensorFlow alone starts dozens of threads.
    """

    time_s: float = 30.0
    memory_mb: int = 2048
    output_kb: int = 512
    file_mb: int = 64
    startup_s: float = 60.0
    processes: int = 256

    def __post_init__(self):
        for name in ("time_s", "memory_mb", "output_kb", "file_mb", "startup_s", "processes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}.")
        if self.memory_mb < 256:
            raise ValueError(f"Limits.memory_mb={self.memory_mb} is too small for a Python kernel; use 256 or more.")
