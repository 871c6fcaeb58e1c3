"""Decoding text files exported by Chinese government systems (pure).

Exports arrive as UTF-8 (with or without BOM) or GB18030/GBK.  GB18030 is a superset of
GBK and GB2312, so it is the one legacy codec to try.  UTF-8 is tried first because valid
UTF-8 of Chinese text is almost never valid GB18030 of the same length and meaning, while
the reverse guess would silently produce mojibake.
"""

from __future__ import annotations

import codecs

CANDIDATES = ("utf-8-sig", "gb18030")


def detect_encoding(sample: bytes) -> str:
    """Return the codec that decodes ``sample`` (a file's first bytes) without error."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for codec in CANDIDATES:
        try:
            # A multi-byte character may be cut at the end of the sample: decode
            # incrementally and ignore an incomplete tail.
            codecs.getincrementaldecoder(codec)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return codec
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise UnicodeDecodeError("unknown", sample[:16], 0, 1, "no known encoding fits")
    return best.encoding


def decode_text(data: bytes) -> str:
    return data.decode(detect_encoding(data[: 1 << 20]))
