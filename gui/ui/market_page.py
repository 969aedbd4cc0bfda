"""The Marketplace page: search, filter, read the details, install with a review.

Search runs as you type (after a short pause) over every source or the one
chosen, optionally one category; sources that fail are named under the
search bar, the others still answer. Each result is a card; the selected
one's permissions and versions are on the right. Install / Update runs the
marketplace's pipeline in the background with its progress on the card and
in the details, and opens the permission dialog at the review step.

This page also serves the Plugins page's Update and Roll back buttons and
the Review action of a held update's notification: it owns the Reviewer.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.ui.market_cards import ResultCard
from gui.ui.market_details import MarketDetailsView
from gui.ui.market_state import MarketState
from gui.ui.notifications import NotificationCenter
from gui.ui.review import Reviewer
from gui.ui.sources_dialog import SourcesDialog
from gui.ui.tasks import TaskRunner

SEARCH_DELAY_MS = 250
ALL_SOURCES, ALL_CATEGORIES = "All sources", "All categories"


class MarketPage(QWidget):
    """Browse and install from the trusted sources.

    Signals:
        searched(int): a search finished with this many results (tests wait on it).
        installed(str): a plugin was installed or updated (its name).
    """

    searched = Signal(int)
    installed = Signal(str)

    def __init__(self, market: Any, state: MarketState, reviewer: Reviewer, tasks: TaskRunner,
                 notifications: NotificationCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.market = market
        self.state = state
        self.reviewer = reviewer
        self._tasks = tasks
        self._notifications = notifications
        self.cards: list[ResultCard] = []
        self.selected: Any = None
        self.sources_dialog: SourcesDialog | None = None
        self._installing: set[tuple[str, str]] = set()
        self._generation = 0
        self._categories: set[str] = set()

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search plugins by name or description")
        self.search.setClearButtonEnabled(True)
        self.source_box = QComboBox()
        self.source_box.addItem(ALL_SOURCES)
        self.source_box.setMinimumContentsLength(12)
        self.category_box = QComboBox()
        self.category_box.addItem(ALL_CATEGORIES)
        self.category_box.setMinimumContentsLength(12)
        self.sources_button = QPushButton("Sources…")
        self.sources_button.setToolTip("Add, remove and check the repositories you trust")
        self.sources_button.clicked.connect(self.open_sources)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _text: self.timer.start())
        self.source_box.currentIndexChanged.connect(lambda _i: self.run_search())
        self.category_box.currentIndexChanged.connect(lambda _i: self.run_search())

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.source_box)
        bar.addWidget(self.category_box)
        bar.addWidget(self.sources_button)

        self.results = QWidget()
        self.results_layout = QVBoxLayout(self.results)
        self.results_layout.setContentsMargins(4, 4, 4, 4)
        self.results_layout.setSpacing(8)
        self.results_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.results)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.details = MarketDetailsView()
        self.details.installRequested.connect(self.install)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 450])
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        state.changed.connect(self._state_changed)
        self._searched_once = False

    def watch_samples(self) -> None:
        """Once the core runs: wait for the built-in samples source, then list it.

        The samples are built and published in the background on a fresh
        profile; the page lists them as soon as they are, shown or not.
        """
        def ready(_state: str) -> None:
            self.state.refresh()
            self.run_search()

        self._tasks.start(self.market.wait_samples(), "Preparing the sample plugins",
                          on_done=ready)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._searched_once:  # the first look: list everything
            self.run_search()

    # -- searching -------------------------------------------------------------------------
    def run_search(self) -> None:
        self._searched_once = True
        self.timer.stop()
        self._generation += 1
        generation = self._generation
        source = self.source_box.currentText()
        category = self.category_box.currentText()
        query = self.search.text().strip()
        self.status.setText("Searching…")
        self._tasks.start(
            self.market.search(query, None if source == ALL_SOURCES else source,
                               None if category == ALL_CATEGORIES else category),
            f"Searching the marketplace for '{query}'" if query else "Listing the marketplace",
            on_done=lambda results: self._show_results(results, generation))
        self.state.refresh()

    def _show_results(self, results: Any, generation: int) -> None:
        if generation != self._generation:
            return  # a newer search is under way
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        for listing in results:
            card = ResultCard(listing)
            card.selected.connect(self.select)
            card.installRequested.connect(self.install)
            self.results_layout.insertWidget(self.results_layout.count() - 1, card)
            self.cards.append(card)
            if listing.category and listing.category not in self._categories:
                self._categories.add(listing.category)
                self.category_box.addItem(listing.category)
        self._update_buttons()
        self.status.setText(self._summary(results))
        keep = self.selected
        match = next((c.listing for c in self.cards if keep is not None
                      and (c.listing.source, c.listing.id) == (keep.source, keep.id)), None)
        self.select(match or (self.cards[0].listing if self.cards else None))
        self.searched.emit(len(results))

    def _summary(self, results: Any) -> str:
        sources = {item.source for item in results}
        text = (f"{len(results)} plugin{'s' if len(results) != 1 else ''} from "
                f"{len(sources)} source{'s' if len(sources) != 1 else ''}." if results
                else "No plugins match.")
        building = [s.name for s in self.state.sources if s.state.startswith("building")]
        if building:
            text += f" Source {', '.join(building)} is still building its plugins; search " \
                    "again in a minute."
        for name, problem in results.problems.items():
            text += (f"<br><span style='color:#c62828'>Source {html.escape(name)}: "
                     f"{html.escape(problem)}</span>")
        return text

    def card_for(self, name: str, source: str | None = None) -> ResultCard | None:
        return next((c for c in self.cards if c.listing.name == name
                     and (source is None or c.listing.source == source)), None)

    def select(self, listing: Any) -> None:
        self.selected = listing
        for card in self.cards:
            card.set_selected(listing is not None and card.listing is listing)
        installed = (self.state.installed_version(listing.name, listing.source)
                     if listing is not None else None)
        self.details.show_listing(listing, installed)
        if listing is not None:
            self._update_buttons()
            self._tasks.start(self.market.details(listing),
                              f"Reading the details of {listing.name} from {listing.source}",
                              on_done=self.details.show_details)

    def _state_changed(self) -> None:
        self._update_buttons()
        names = [s.name for s in self.state.sources]
        current = self.source_box.currentText()
        known = [self.source_box.itemText(i) for i in range(1, self.source_box.count())]
        if names != known:
            self.source_box.blockSignals(True)
            self.source_box.clear()
            self.source_box.addItems([ALL_SOURCES, *names])
            self.source_box.setCurrentText(current if current in names else ALL_SOURCES)
            self.source_box.blockSignals(False)

    def _latest(self, listing: Any) -> str:
        """The listing's version, or a newer one the update check found since the search."""
        newer = self.state.update_to(listing.name)
        entry = self.state.entries.get(listing.name)
        if newer and entry is not None and entry.source == listing.source:
            return newer
        return listing.version

    def _update_buttons(self) -> None:
        for card in self.cards:
            listing = card.listing
            if (listing.source, listing.id) not in self._installing:
                card.install.set_state(self.state.installed_version(listing.name,
                                                                    listing.source),
                                       self._latest(listing))
        if self.selected is not None and \
                (self.selected.source, self.selected.id) not in self._installing:
            self.details.install.set_state(
                self.state.installed_version(self.selected.name, self.selected.source),
                self._latest(self.selected))

    # -- installing ------------------------------------------------------------------------
    def install(self, listing: Any) -> None:
        if listing is None or (listing.source, listing.id) in self._installing:
            return
        key = (listing.source, listing.id)
        self._installing.add(key)
        installed = self.state.installed_version(listing.name, listing.source)
        progress = self._progress_for(listing)
        progress("resolve", 0, None)
        if installed is not None and installed != self._latest(listing):
            work = self.market.update(listing.name, self.reviewer.review, progress)
            what = f"Updating {listing.name} from {listing.source}"
        else:
            work = self.market.install(listing, self.reviewer.review, progress)
            what = f"Installing {listing.name} from {listing.source}"
        task = self._tasks.start(work, what, on_done=self._finished)
        if task is not None:
            task.add_done_callback(lambda _t: self._done(key))

    def _progress_for(self, listing: Any) -> Any:
        def progress(step: str, done: int, total: int | None) -> None:
            card = next((c for c in self.cards if c.listing.source == listing.source
                         and c.listing.id == listing.id), None)
            if card is not None:
                card.install.progress(step, done, total)
            if self.selected is not None and self.selected.id == listing.id \
                    and self.selected.source == listing.source:
                self.details.install.progress(step, done, total)

        return progress

    def _done(self, key: tuple[str, str]) -> None:
        self._installing.discard(key)
        for card in self.cards:
            card.install.finish()
        self.details.install.finish()
        self.state.refresh()
        self._update_buttons()

    def _finished(self, result: Any) -> None:
        if result.outcome == "declined":
            self._notifications.info(f"{result.name} was not installed",
                                     "You declined its permissions; nothing was changed.")
            return
        self._notifications.info(*_result_note(result), result.name)
        self.installed.emit(result.name)

    # -- serving the Plugins page and notifications ----------------------------------------------
    def update_plugin(self, name: str) -> None:
        self._tasks.start(self.market.update(name, self.reviewer.review, None),
                          f"Updating {name}", on_done=self._after_change)

    def roll_back(self, name: str) -> None:
        self._tasks.start(self.market.rollback(name), f"Rolling back {name}",
                          on_done=self._after_change)

    def _after_change(self, result: Any) -> None:
        self.state.refresh()
        self._notifications.info(*_result_note(result), result.name)

    def open_sources(self) -> SourcesDialog:
        if self.sources_dialog is None:
            self.sources_dialog = SourcesDialog(self.market, self.state, self._tasks, self)
            self.sources_dialog.sourcesChanged.connect(self.run_search)
        self.sources_dialog.show()
        self.sources_dialog.raise_()
        return self.sources_dialog


def _result_note(result: Any) -> tuple[str, str]:
    """Title and message of a finished install, update or rollback, saying each thing once."""
    title = f"{result.name} {result.version} {result.outcome}"
    message = result.message
    if message.startswith(title):
        message = message[len(title):].lstrip(" ;:,.")
    return title, _sentences(message, f"It is {result.state}" if result.state else "")


def _sentences(*parts: str) -> str:
    """Join message fragments as sentences: "stats installed. It is running."."""
    out = [p.strip().rstrip(".") + "." for p in parts if p and p.strip()]
    return " ".join(out)
