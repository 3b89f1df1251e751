"""The NLU port reads a short text in the event loop's thread and a long one in a worker thread
(handlers/nlu_port.py: a hop costs more than a short reading; a long one would hold the loop)."""
from __future__ import annotations

import threading

import pytest

from handlers import NluPort
from handlers.nlu_port import INLINE_CHARS
from nlu import Analysis


class _Where:
    """Stands in for the model: records the thread each reading ran in, then asks the real one."""

    def __init__(self, real: NluPort) -> None:
        self.real, self.threads = real.model, []

    def analyse(self, text: str) -> Analysis:
        self.threads.append(threading.get_ident())
        return self.real.analyse(text)


@pytest.mark.parametrize(("length", "in_loop"), [(1, True), (INLINE_CHARS, True), (INLINE_CHARS + 1, False), (4000, False)])
async def test_where_a_text_is_read(nlu_port: NluPort, length: int, in_loop: bool) -> None:
    where = _Where(nlu_port)
    port = NluPort(where)  # type: ignore[arg-type]
    text = ("công ty nợ lương em ở Bắc Ninh " * 200)[:length]
    analysis = await port.analyse(text)
    assert analysis == nlu_port.model.analyse(text)
    assert (where.threads == [threading.get_ident()]) is in_loop
