"""WordPiece: the uncased BERT tokenizer the sentence encoder was trained with."""

import pytest

from genome.models.sentence_encoder import model_dir
from genome.models.wordpiece import WordPiece


@pytest.fixture(scope="module")
def tokenizer():
    return WordPiece(model_dir() / "vocab.txt")


def pieces(tokenizer, text):
    names = {i: piece for piece, i in tokenizer.vocab.items()}
    return [names[i] for i in tokenizer.ids(text)]


def test_words_are_lower_cased_freed_of_accents_and_split_at_punctuation(tokenizer):
    assert tokenizer.words("Café, DIDN'T\tstop") == ["cafe", ",", "didn", "'", "t", "stop"]


def test_a_word_outside_the_vocabulary_is_cut_into_the_longest_pieces_from_the_left(tokenizer):
    assert pieces(tokenizer, "tassel newlyweds") == ["[CLS]", "ta", "##ssel", "newly", "##wed", "##s", "[SEP]"]


def test_a_sign_the_vocabulary_lacks_is_one_unknown_token(tokenizer):
    assert pieces(tokenizer, "graduated 🎓") == ["[CLS]", "graduated", "[UNK]", "[SEP]"]


def test_long_texts_are_cut_but_keep_their_start_and_end_markers(tokenizer):
    ids = WordPiece(model_dir() / "vocab.txt", max_tokens=8).ids("one two three four five six seven eight nine")
    assert len(ids) == 8 and ids[0] == tokenizer.cls and ids[-1] == tokenizer.sep
