"""Base64url as Cairn's JSON carries bytes: unpadded out, padded or not in."""

from __future__ import annotations

import base64

import pytest

from server.encoding import b64url, unb64url


def test_bytes_go_out_unpadded_and_url_safe():
    data = bytes([0xFB, 0xFF, 0xFE, 0x00])
    assert b64url(data) == "-__-AA"
    assert b64url(b"") == ""
    assert base64.urlsafe_b64decode(b64url(data) + "==") == data


@pytest.mark.parametrize("size", [0, 1, 2, 3, 31, 32, 33])
def test_every_length_comes_back_whole(size):
    data = bytes(range(size))
    assert unb64url(b64url(data)) == data


def test_padded_text_is_read_too():
    assert unb64url("-__-AA==") == bytes([0xFB, 0xFF, 0xFE, 0x00])


@pytest.mark.parametrize("text", ["A", "AAAAA", "A===", "💥"])
def test_text_that_is_not_base64url_is_a_value_error(text):
    with pytest.raises(ValueError):
        unb64url(text)
