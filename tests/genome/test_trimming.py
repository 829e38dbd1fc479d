import pyarrow as pa

from genome.trimming import trimmed, with_trimmed


def test_blanks_around_a_value_go_and_blank_values_become_missing():
    column = pa.chunked_array([[" a ", "\tb\r\n", "", "   ", None], ["c", " d e "]])
    assert trimmed(column).to_pylist() == ["a", "b", None, None, None, "c", "d e"]


def test_characters_other_than_blanks_are_kept():
    column = pa.chunked_array([["\x01a\x01", "é ", "\u00a0x"]])
    assert trimmed(column).to_pylist() == ["\x01a\x01", "é", "\u00a0x"]


def test_a_sliced_table_is_trimmed_from_its_own_first_row():
    table = pa.table({"a": [" x", " ", "y "], "b": [1, 2, 3]}).slice(1)
    result = with_trimmed(table, ["a"])
    assert result.column_names == ["a", "b", "a_t"]
    assert result["a"].to_pylist() == [" ", "y "]  # the original is kept as it arrived
    assert result["a_t"].to_pylist() == [None, "y"]
