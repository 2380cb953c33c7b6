"""Database work off the UI thread, with one road for results and errors.

Every screen calls :func:`run_db`: the function runs in a thread worker with its own
session (sessions are never shared across threads), a write commits in one transaction,
the result comes back on the UI thread, and an error becomes a notification with a title
and a plain sentence — plus the ``failed`` callback, so a form can stay open with what the
user typed. A result that arrives after a newer request in the same exclusive group
replaced it is dropped (search as you type).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session
from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from eits_tracker.errors import DatabaseError, EitsError

T = TypeVar("T")
log = logging.getLogger("eits_tracker.tui")

#: SQLite answers "database is locked" at once (the busy timeout does not apply) when a
#: transaction that has read must become a writer after another process committed. A write is
#: retried this many times, with growing, jittered pauses (about 4 s in all), before the user
#: hears of it: benchmarks/bench_concurrency.py saw 3 retries fall short for ~0.2 % of changes
#: with 8 processes writing ~500 changes a second.
LOCK_RETRIES = 8


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


def run_db(
    node: DOMNode,
    fn: Callable[[Session], T],
    done: Callable[[T], Any] | None = None,
    *,
    write: bool = False,
    group: str = "db",
    exclusive: bool = False,
    failed: Callable[[EitsError], Any] | None = None,
) -> Worker[None]:
    app = node.app
    database = app.database  # type: ignore[attr-defined]

    def job() -> None:
        worker = get_current_worker()
        result: Any = None
        error: EitsError | None = None
        for attempt in range(LOCK_RETRIES + 1):
            try:
                with database.session() as session:
                    result = fn(session)
                    if write:
                        session.commit()
                error = None
                break
            except EitsError as exc:
                error = exc
                break
            except SQLAlchemyError as exc:
                if _is_locked(exc) and attempt < LOCK_RETRIES:
                    time.sleep((0.05 + random.random() * 0.1) * (attempt + 1))
                    continue
                log.exception("database error")
                error = DatabaseError(
                    f"the database refused the request ({type(exc).__name__}: {str(exc).splitlines()[0]}). "
                    "Nothing was saved; try again, and check the database if it repeats."
                )
                break
            except Exception as exc:  # a bug: still shown, never a traceback on the screen
                log.exception("unexpected error in a worker")
                error = EitsError(f"{type(exc).__name__}: {exc}. Nothing was saved.")
                break
        if worker.is_cancelled:
            return
        try:
            if error is not None:
                app.call_from_thread(_failed, app, error, failed)
            else:
                if write:
                    app.call_from_thread(_written, app)
                if done is not None:
                    app.call_from_thread(done, result)
        except RuntimeError:  # the app closed while the worker ran
            pass

    return node.run_worker(job, thread=True, group=group, exclusive=exclusive, exit_on_error=False)


def _written(app: Any) -> None:
    app.data_generation += 1


def _failed(app: Any, error: EitsError, failed: Callable[[EitsError], Any] | None) -> None:
    app.show_error(error)
    if failed is not None:
        failed(error)
