"""The console's URL model: parse, write back, scope, filters."""

from __future__ import annotations

from dashboard.clock import HOUR_MS
from dashboard.console_url import ConsoleUrl


def test_parse_reads_language_street_and_one_item() -> None:
    """lang, a known street and the drilled item come out of the query string."""
    url = ConsoleUrl.parse("?street=hongqiao&incident=inc-1&lang=en")
    assert url == ConsoleUrl(lang="en", street="hongqiao", kind="incident", key="inc-1")
    assert url.item("incident") == "inc-1" and url.item("camera") is None


def test_parse_drops_unknown_streets_blank_values_and_odd_languages() -> None:
    """An unknown street is the district; a blank item is none; any lang but en is zh."""
    assert ConsoleUrl.parse("street=atlantis&camera=&lang=fr") == ConsoleUrl()
    assert ConsoleUrl.parse(None) == ConsoleUrl.parse("") == ConsoleUrl()


def test_the_first_drill_kind_wins_when_several_are_named() -> None:
    """incident, then ticket, duty, camera, sensor: the detail, reveals and actions agree."""
    assert ConsoleUrl.parse("?camera=c1&ticket=t1").kind == "ticket"
    assert ConsoleUrl.parse("?sensor=s1&duty=district/x&incident=i1").key == "i1"


def test_search_writes_street_item_language_in_that_order() -> None:
    """The URL written back reads street, then the item, then lang; nothing at all is ""."""
    url = ConsoleUrl(lang="en", street="hongqiao").drill("incident", "inc-h1")
    assert url.search == "?street=hongqiao&incident=inc-h1&lang=en"
    assert url.href == "/console?street=hongqiao&incident=inc-h1&lang=en"
    assert ConsoleUrl().search == "" and ConsoleUrl().href == "/console"
    assert ConsoleUrl.parse(url.search) == url


def test_drill_without_a_key_and_at_street_drop_the_item() -> None:
    """A row without an id drills nowhere; a street link leaves the item behind, keeps lang."""
    url = ConsoleUrl(lang="en", street="hongqiao", kind="camera", key="c1")
    assert url.drill("incident", None) == ConsoleUrl(lang="en", street="hongqiao")
    assert url.at_street("jiangsulu") == ConsoleUrl(lang="en", street="jiangsulu")
    assert url.at_street(None).search == "?lang=en"
    assert url.at_street("atlantis").street is None


def test_scope_overrides_the_street_of_the_url() -> None:
    """An officer of one street is in it whatever the URL asks; the district changes nothing."""
    url = ConsoleUrl.parse("?street=hongqiao&ticket=t-h")
    assert url.scoped("jiangsulu") == ConsoleUrl(street="jiangsulu", kind="ticket", key="t-h")
    assert url.scoped(None) is url


def test_filters_take_the_street_of_the_url_and_a_window() -> None:
    """Component values (None when untouched) become Filters on the URL's street."""
    filters = ConsoleUrl(street="hongqiao").filters(text="燃气", domains=None, severities=[1, 2],
                                                     statuses=["reported"], since="1h", now=5 * HOUR_MS)
    assert (filters.street, filters.text, filters.domains, filters.severities, filters.statuses,
            filters.since_ms) == ("hongqiao", "燃气", (), (1, 2), ("reported",), 4 * HOUR_MS)
    assert ConsoleUrl().filters(since="all", now=5 * HOUR_MS).since_ms is None
