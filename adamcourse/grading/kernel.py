"""The kernel driver: run cells of a submission in a sandboxed kernel, within
a time and output budget, and say in words why a run stopped.

Built on nbclient (which runs the cells and collects outputs) and the
sandbox's kernel manager (:mod:`.sandbox.grader`). Every message the kernel
sends, outputs and widget (comm) messages alike, counts against the output
budget; past it the kernel is killed, so a flood costs the grader nothing.
"""

from __future__ import annotations

import json
import os
import signal
import time

from adamcourse.grading.sandbox import grader as sandbox
from adamcourse.grading.sandbox.limits import Limits

__all__ = ["SandboxedKernel", "KernelStopped"]


class KernelStopped(Exception):
    """The kernel could not finish a run; the message says why, for the student."""


def _client_class():
    from nbclient import NotebookClient

    class CappedNotebookClient(NotebookClient):
        """Keeps at most ``output_budget`` bytes of messages; past that it kills the kernel."""

        output_budget = 0
        output_exceeded = False

        def process_message(self, msg, cell, cell_index):
            content = msg.get("content", {})
            self.output_budget -= len(json.dumps(content, default=str)) if msg.get("msg_type") != "status" else 0
            if self.output_budget < 0:
                if not self.output_exceeded:
                    self.output_exceeded = True
                    pid = getattr(getattr(self.km.provisioner, "process", None), "pid", None)
                    if pid:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                return None
            return super().process_message(msg, cell, cell_index)

    return CappedNotebookClient


def _death_reason(status: int | None, limits: Limits) -> str:
    if status is None:
        return "The kernel stopped responding."
    if status == -signal.SIGXCPU:
        return f"Your code used more CPU time than allowed (limit about {limits.time_s:g} s per exercise)."
    if status == -signal.SIGXFSZ:
        return f"Your code wrote a file larger than the limit ({limits.file_mb} MiB)."
    if status in (-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGABRT, -signal.SIGILL, -signal.SIGFPE):
        return f"The kernel crashed ({signal.Signals(-status).name}) while running your code."
    if status == -signal.SIGKILL:
        return f"The kernel was killed (most likely it ran out of memory; the limit is {limits.memory_mb} MiB)."
    if status < 0:
        return f"The kernel was stopped by signal {-status} while running your code."
    return (
        f"The kernel exited (status {status}) while running your code: something called os._exit, "
        f"sys.exit from a thread, or crashed the process. Remove it and run the notebook again."
    )


class SandboxedKernel:
    """One sandboxed kernel for one submission, started on first use and
    after a failure (a fresh kernel for the next exercise).

    ``base`` is the grader's folder for this submission; every start gets a
    new, empty working folder inside it (nothing a previous kernel left there
    is seen again), and its log beside that folder, out of the kernel's reach.
    ``library`` holds the kernel's copy of the course library.
    """

    def __init__(self, base: str, limits: Limits, library: str):
        self.base, self.limits, self.library = base, limits, library
        self.client = self.km = None
        self.starts = 0

    async def start(self) -> None:
        import tempfile

        import nbformat

        self.starts += 1
        root = tempfile.mkdtemp(prefix=f"kernel-{self.starts}-", dir=self.base)
        self.km = sandbox.SandboxKernelManager(root, self.limits, self.library, log=f"{root}.log")
        nb = nbformat.v4.new_notebook(cells=[])
        self.client = _client_class()(
            nb,
            km=self.km,
            timeout=int(self.limits.startup_s),
            startup_timeout=int(self.limits.startup_s),
            allow_errors=True,
            record_timing=False,
            iopub_timeout=5,
            shutdown_kernel="immediate",
        )
        self.client.output_budget = self.limits.output_kb * 1024
        await self.client.async_start_new_kernel(cwd=root)
        await self.client.async_start_new_kernel_client()

    async def stop(self) -> None:
        """End the kernel and every process it started, then remove its folder."""
        km, client = self.km, self.client
        self.client = self.km = None
        if km is not None:
            try:
                km.kill_sandbox()
            finally:
                try:
                    await km.shutdown_kernel(now=True)
                except Exception:
                    pass
                kc = getattr(client, "kc", None)
                try:
                    kc.stop_channels()
                    monitor = getattr(kc, "_iopub_monitor", None)
                    if monitor is not None:
                        monitor.close(linger=0)
                except Exception:
                    pass
                km.release_sockets()
                km.remove_folders()
        sandbox.kill_descendants()

    async def run(self, sources: list[str]) -> list:
        """Run ``sources`` as cells, one after another, within one exercise's
        time and output budget; returns the executed cells. Raises
        :class:`KernelStopped` (and stops the kernel) when the run could not finish."""
        import nbformat
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        if self.client is None:
            await self.start()
        client = self.client
        client.output_budget = self.limits.output_kb * 1024
        cells = [nbformat.v4.new_code_cell(source) for source in sources]
        client.nb.cells = cells
        deadline = time.monotonic() + self.limits.time_s
        failure = None
        try:
            for index, cell in enumerate(cells):
                client.timeout = max(1, int(deadline - time.monotonic() + 0.999))
                await client.async_execute_cell(cell, index)
        except CellTimeoutError:
            failure = f"Time limit reached: your code ran for more than {self.limits.time_s:g} s (an endless loop?)."
        except DeadKernelError:
            failure = None if client.output_exceeded else _death_reason(self.km.exit_status(), self.limits)
        except Exception as error:  # the kernel went away in some other way
            failure = f"The kernel stopped while running your code ({type(error).__name__})."
        if failure is None and not client.output_exceeded:  # (a dying kernel disconnects too)
            try:
                client.output_exceeded = await client.kc.dropped_output()
            except Exception:
                pass
        if client.output_exceeded:
            failure = f"Your code printed more than the output limit ({self.limits.output_kb} KiB), so it was stopped."
        errors = [o for cell in cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if failure is None and errors and errors[0].get("ename") == "MemoryError":
            if any("Traceback" in line for line in errors[0].get("traceback", [])):
                failure = f"Your code ran out of memory (the limit is {self.limits.memory_mb} MiB)."
            else:  # raised before any line ran: Python's parser gave up on the cell
                failure = (
                    "Python could not read your code: an expression in it is nested too deeply for its "
                    "parser. Write it in smaller steps."
                )
        if failure is not None:
            await self.stop()
            raise KernelStopped(failure)
        return cells
