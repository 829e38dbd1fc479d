"""BERT's uncased WordPiece tokenizer, as the sentence encoder was trained with it.

Lower-cases, strips accents, splits on whitespace and punctuation, then cuts
each word into the longest vocabulary pieces from the left ("tassel" ->
"tass", "##el"); a word with no such cut is one unknown token. Written out
here rather than installed because it is small and the encoder needs nothing
else from a tokenizer library.
"""

import unicodedata
from pathlib import Path

MAX_WORD_CHARS = 100


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    # BERT counts every non-alphanumeric ASCII sign as punctuation, "$" and "^" included.
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_control(char: str) -> bool:
    return char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cf", "Cn", "Co", "Cs")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F)


class WordPiece:
    """Text to token ids for an uncased BERT vocabulary (`vocab.txt`, one piece per line)."""

    def __init__(self, vocab_file: Path, *, max_tokens: int = 128):
        pieces = Path(vocab_file).read_text(encoding="utf-8").split("\n")
        self.vocab = {piece: i for i, piece in enumerate(pieces) if piece}
        self.max_tokens = max_tokens
        self.cls, self.sep, self.unk = (self.vocab[t] for t in ("[CLS]", "[SEP]", "[UNK]"))

    def words(self, text: str) -> list[str]:
        """The basic tokenizer: cleaned, lower-cased, accent-free words and punctuation marks."""
        text = "".join(" " if c.isspace() else c for c in text if c != "\ufffd" and ord(c) and not _is_control(c))
        text = "".join(f" {c} " if _is_cjk(c) else c for c in text)
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        words: list[str] = []
        for chunk in text.split():
            current = ""
            for char in chunk:
                if _is_punctuation(char):
                    if current:
                        words.append(current)
                        current = ""
                    words.append(char)
                else:
                    current += char
            if current:
                words.append(current)
        return words

    def _pieces(self, word: str) -> list[int]:
        if len(word) > MAX_WORD_CHARS:
            return [self.unk]
        start, pieces = 0, []
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    pieces.append(self.vocab[piece])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return pieces

    def ids(self, text: str) -> list[int]:
        """[CLS] pieces… [SEP], cut to `max_tokens` in all."""
        pieces = [p for word in self.words(str(text)) for p in self._pieces(word)]
        return [self.cls, *pieces[: self.max_tokens - 2], self.sep]
