"""Long work that runs beside the app: one background job per store, visible to every session.

A refit takes a while; it runs on a thread of the server so the person who
started it, and everyone else, keeps using the app. Its progress lives in a
process-wide registry (a cached resource) that any session can poll.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st


@dataclass
class Job:
    label: str
    started_by: str
    step: str = "starting"
    done: int = 0
    total: int = 1
    started: float = field(default_factory=time.time)
    finished: float | None = None
    error: str | None = None
    summary: str | None = None
    ended: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def running(self) -> bool:
        return self.finished is None

    def progress(self, step: str, done: int, total: int) -> None:
        self.step, self.done, self.total = step, done, max(total, 1)

    def wait(self) -> None:
        """Block until the job has finished, however long it takes."""
        self.ended.wait()


@st.cache_resource(show_spinner=False)
def _registry() -> tuple[dict[str, Job], threading.Lock]:
    return {}, threading.Lock()


def job_for(key: str) -> Job | None:
    jobs, _ = _registry()
    return jobs.get(key)


def start(key: str, label: str, started_by: str, work: Callable[[Job], str]) -> Job:
    """Start `work` unless a job with this key is running; `work` returns a one-line summary."""
    jobs, lock = _registry()
    with lock:
        current = jobs.get(key)
        if current is not None and current.running:
            return current
        job = jobs[key] = Job(label=label, started_by=started_by)

    def run() -> None:
        try:
            job.summary = work(job)
        except Exception as exc:  # the job reports any failure to the page instead of dying silently
            job.error = str(exc) or type(exc).__name__
        finally:
            job.finished = time.time()
            job.ended.set()

    threading.Thread(target=run, name=f"job:{key}", daemon=True).start()
    return job


def refit_key(store: Path) -> str:
    return f"refit:{Path(store).resolve()}"
