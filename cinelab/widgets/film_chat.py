"""FilmChat: ask about the catalogue, see the answer, its sources and the retrieved films.

A thin view over :class:`cinelab.language.chat.CatalogueChat`: the widget holds the text box
and the tables; retrieval, answering and refusing all live in `cinelab.language`. Offline by
default (answers composed from retrieved facts); give it a chat with a ``chat_model`` for RAG.

Stable CSS classes (for styling and browser tests): ``cinelab-film-chat`` on the whole widget,
``cinelab-chat-question`` (text box), ``cinelab-chat-ask`` (button), ``cinelab-chat-method``,
``cinelab-chat-answer``, ``cinelab-chat-retrieved`` and ``cinelab-chat-status``.
"""

from __future__ import annotations

import html
import math
import time

import ipywidgets as widgets

from cinelab.language.chat import HOW_TO_GET_A_CHAT_MODEL, Answer, CatalogueChat
from cinelab.widgets.theme import mark, stylesheet

EXAMPLES = (
    "What year did Alien come out?",
    "the 1970s science-fiction horror film where a towing ship's crew answers a signal",
    "Something like Jaws but funnier",
    "What genres is Casablanca?",
    "Who directed Vertigo?",
)

# ipywidgets throttles state sync but not events: a click on Ask (or Enter) can reach the kernel
# before the last keystrokes of the question. Text that arrives this soon after an answer is such
# a late question, and is answered again.
LATE_TEXT_SECONDS = 2.0


class FilmChat(widgets.VBox):
    """Type a question; the chat retrieves films and answers from them, or declines.

    Parameters
    ----------
    chat : CatalogueChat, optional
        Default: BM25 over the kit's catalogue, no language model.
    presenter : bool, optional
        Large type for projectors (default from ``CINELAB_PRESENTER``).

    Attributes
    ----------
    answer : the last :class:`~cinelab.language.chat.Answer`, or None.
    seconds : how long the last answer took (retrieval and composition).

    Notes
    -----
    The text box sends every keystroke (``continuous_update=True``) and asks nothing by
    itself; Ask and Enter ask. Waiting for the box to lose focus instead (the usual
    ``continuous_update=False``) lost questions in JupyterLab, where the notebook can move
    focus away from the box before the click, so the final text was never sent.
    """

    def __init__(self, chat: CatalogueChat | None = None, *, presenter: bool | None = None):
        self.chat = chat or CatalogueChat()
        self._chats = {self.chat.retriever.method: self.chat}
        self.answer: Answer | None = None
        self.seconds = 0.0
        self._answered_in_browser_at = -math.inf
        self.question = widgets.Text(
            placeholder="Ask about a film: a title, a year, a genre, a story...",
            continuous_update=True,
            layout=widgets.Layout(width="60%"),
        )
        self.ask_button = widgets.Button(description="Ask", button_style="primary")
        self.examples = widgets.Dropdown(
            options=[("examples...", "")] + [(e, e) for e in EXAMPLES], value=""
        )
        self.method = widgets.ToggleButtons(
            options=[("BM25", "bm25"), ("LSA", "lsa")], value=self.chat.retriever.method,
            description="retrieval",
        )  # fmt: skip
        self.answer_view = widgets.HTML("<i>Ask a question, or pick an example.</i>")
        self.retrieved_view = widgets.HTML()
        self.status = widgets.HTML(_status_line(self.chat))
        for widget, name in (
            (self.question, "question"), (self.ask_button, "ask"), (self.examples, "examples"),
            (self.method, "method"), (self.answer_view, "answer"),
            (self.retrieved_view, "retrieved"), (self.status, "status"),
        ):  # fmt: skip
            widget.add_class(f"cinelab-chat-{name}")
        super().__init__(
            [
                stylesheet(),
                widgets.HBox([self.question, self.ask_button, self.examples]),
                self.method,
                self.answer_view,
                self.retrieved_view,
                self.status,
            ]
        )
        mark(self, "film-chat", presenter)
        self.ask_button.on_click(lambda _: self._ask_from_browser())
        self.question.on_msg(self._on_text_box_event)
        self.question.observe(self._on_text, names="value")
        self.examples.observe(self._use_example, names="value")
        self.method.observe(lambda _: self.ask(), names="value")

    def _ask_from_browser(self) -> None:
        self.ask()
        self._answered_in_browser_at = time.monotonic()

    def _on_text_box_event(self, _widget, content, _buffers) -> None:
        if content.get("event") == "submit":  # Enter in the text box
            self._ask_from_browser()

    def _on_text(self, _change) -> None:
        if time.monotonic() - self._answered_in_browser_at < LATE_TEXT_SECONDS:
            self._ask_from_browser()  # the end of a question that its click overtook

    def _use_example(self, change) -> None:
        if change["new"]:
            self.ask(change["new"])

    def _current_chat(self) -> CatalogueChat:
        """One chat per retrieval method, built on first use and kept (LSA takes ~1 s)."""
        method = self.method.value
        if method not in self._chats:
            base = self.chat
            self._chats[method] = CatalogueChat(base.films, method=method,
                                                chat_model=base.chat_model, k=base.k,
                                                min_match=base.min_match)  # fmt: skip
        return self._chats[method]

    def ask(self, question: str | None = None) -> Answer | None:
        """Answer `question` (default: the text box) and show it; returns the Answer."""
        if question is not None:
            self._answered_in_browser_at = -math.inf  # Python typed it: no keystrokes to wait for
            self.question.value = question
        text = self.question.value.strip()
        if not text:
            return None
        started = time.perf_counter()
        self.answer = self._current_chat().ask(text)
        self.seconds = time.perf_counter() - started
        self.answer_view.value = _answer_html(self.answer)
        self.retrieved_view.value = _retrieved_html(self.answer)
        self.status.value = (
            f"{_status_line(self._current_chat())} · answered in {self.seconds * 1000:.0f} ms"
        )
        return self.answer


def _status_line(chat: CatalogueChat) -> str:
    if chat.chat_model is None:
        return f"<span class='cinelab-muted'>{html.escape(HOW_TO_GET_A_CHAT_MODEL)}</span>"
    return "<span class='cinelab-muted'>Answers written by the cached chat model from the facts shown.</span>"


def _answer_html(answer: Answer) -> str:
    css = "cinelab-warning" if answer.refused else ""
    text = f"<div class='cinelab-panel {css}'><b>{html.escape(answer.text)}</b></div>"
    if not answer.sources:
        return text
    items = "".join(
        f"<li><b>{html.escape(s.label())}</b>: <span class='cinelab-muted'>"
        f"{html.escape(s.sentence)}</span></li>"
        for s in answer.sources
    )
    return (
        text + f"<div class='cinelab-muted'>sources</div><ol class='cinelab-sources'>{items}</ol>"
    )


def _retrieved_html(answer: Answer) -> str:
    found = answer.retrieved
    if found.empty:
        return "<div class='cinelab-muted'>No film shares a word with this question.</div>"
    top = max(float(found["score"].max()), 1e-12)
    rows = "".join(
        f"<tr><td>{html.escape(row.title)}</td><td>{row.year}</td>"
        f"<td>{html.escape(row.genres.replace('|', ', '))}</td><td>"
        f"<span class='cinelab-bar' style='width:{max(2, int(80 * row.score / top))}px'></span>"
        f" {row.score:.2f}</td></tr>"
        for row in found.itertuples()
    )
    head = "<tr><th>retrieved film</th><th>year</th><th>genres</th><th>score</th></tr>"
    return f"<table class='cinelab-table'>{head}{rows}</table>"
