"""The place words the loader gives groups of their own (migration 0019): pure, no database."""

from __future__ import annotations

from dashboard.data.database.loader import WORD_MIN_LENGTH, place_words


def test_plw001_words_of_the_place_columns_folded_counted_once_a_place():
    places = [("Callao", "Callao", "Callao", 5),  # the same word thrice in one place: its events once
              ("Puerto del Callao", "Callao", None, 2),
              ("Pichari", "Cusco", "La Convención", 4),
              ("Kimbiri", "Cusco;Ayacucho", "La Convención", 3),
              ("Straße am Hafen", "HAMBURG", "", 9)]
    assert place_words(places, 7) == ["callao", "convencion", "cusco", "hafen", "hamburg", "strasse"]
    assert place_words(places, 8) == ["hafen", "hamburg", "strasse"]
    assert place_words(places, 10) == []


def test_plw002_short_words_blank_names_and_separators_are_not_words():
    places = [("La Mar", "Ayacucho", "", 50), (None, None, None, 50), ("San_Juan-de Lurigancho", "Lima", "Lima", 50)]
    words = place_words(places, 1)
    assert all(len(word) >= WORD_MIN_LENGTH for word in words)
    assert words == ["ayacucho", "juan", "lima", "lurigancho", "mar", "san"]
