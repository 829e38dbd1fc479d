"""The pretrained sentence encoder: unit vectors whose nearness follows meaning."""

import numpy as np
import pytest

from genome.models.sentence_encoder import EncoderMissing, SentenceEncoder, shared_encoder


@pytest.fixture(scope="module")
def encoder():
    return shared_encoder()


def test_texts_become_unit_vectors_of_384_numbers(encoder):
    vectors = encoder.encode(["We got married today", ""])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_paraphrase_in_other_words_is_nearer_than_an_unrelated_post(encoder):
    wedding, paraphrase, unrelated = encoder.encode(
        ["We got married this afternoon", "we tied the knot today", "Ran five miles before work"])
    assert wedding @ paraphrase > wedding @ unrelated + 0.2


def test_padding_a_short_text_beside_a_long_one_does_not_change_its_vector():
    alone = SentenceEncoder().encode(["new job!"])[0]
    long = "first day at the new company, the team is lovely and the office has a view of the river"
    together = SentenceEncoder().encode(["new job!", long])[0]
    assert np.allclose(alone, together, atol=1e-5)


def test_a_folder_without_the_weights_is_named_in_the_error(tmp_path, monkeypatch):
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    monkeypatch.setenv("GENOME_ENCODER_DIR", str(tmp_path))
    with pytest.raises(EncoderMissing, match=r"lacks model\.safetensors"):
        SentenceEncoder()
