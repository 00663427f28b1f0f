"""A period against the previous one, in words that say better or worse."""

from __future__ import annotations

from inbox.core.comparison import against_target, count_change, rate_change, time_change, tone


def test_rates_change_in_percentage_points() -> None:
    assert str(rate_change(0.969, 0.912)) == "▲ 5,7 procentenheter högre (bättre)"
    assert str(rate_change(0.912, 0.969)) == "▼ 5,7 procentenheter lägre (sämre)"
    assert str(rate_change(0.9121, 0.9124)) == "oförändrad"  # under a tenth of a point
    assert str(rate_change(0.5, None)) == "inget att jämföra med"
    assert str(rate_change(0.969, 0.912, "en")) == "▲ 5.7 procentenheter högre (bättre)"


def test_shorter_times_and_fewer_breaches_are_better() -> None:
    assert str(time_change(60, 90)) == "▼ 30 min kortare (bättre)"
    assert str(time_change(150, 60)) == "▲ 1 h 30 min längre (sämre)"
    assert str(time_change(60.2, 59.9)) == "oförändrad"
    assert str(time_change(None, 60)) == "inget att jämföra med"
    assert str(count_change(3, 5)) == "▼ 2 färre (bättre)"
    assert str(count_change(1200, 5)) == "▲ 1\u00a0195 fler (sämre)"
    assert str(count_change(4, 4)) == "oförändrat"


def test_the_tone_follows_the_words() -> None:
    assert tone(rate_change(0.9, 0.8)) == "better"
    assert tone(count_change(9, 8)) == "worse"
    assert tone(count_change(8, 8)) == "same"
    assert tone(rate_change(None, 0.8)) == "same"


def test_the_median_against_the_pages_target() -> None:
    assert str(against_target(60, 24)) == "inom målet 24 h"
    assert str(against_target(24 * 60, 24)) == "inom målet 24 h"  # at the target is within
    assert str(against_target(24 * 60 + 1, 24)) == "över målet 24 h"
    assert str(against_target(30, 1.5)) == "inom målet 1,5 h"
    assert against_target(None, 24) is None
    assert against_target(60, None) is None
