"""SSH key fingerprints, ``SHA256:…`` as ``ssh-keygen -l`` prints them: made from a key's
blob, and read back from what people paste — with or without the prefix or the padding,
or a whole ``ssh-keygen -l`` line. Anything else is refused, never silently compared (a
revocation that revokes nothing)."""

from __future__ import annotations

import base64
import hashlib
import re

_B64 = r"[A-Za-z0-9+/]{43}=?"
_LISTING = re.compile(rf"^(?:\d+\s+)?SHA256:({_B64})(?:\s.*)?$", re.IGNORECASE)  # ssh-keygen -l
_BARE = re.compile(rf"^(?:SHA256:)?({_B64})$", re.IGNORECASE)


def of_blob(blob: bytes) -> str:
    """The fingerprint of the public key whose wire-format blob is ``blob``."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def parse(text: str) -> str:
    """``text`` as a fingerprint ``SHA256:…``; ValueError saying what to give instead."""
    value = text.strip()
    if re.match(r"^(?:\d+\s+)?MD5:", value, re.IGNORECASE):
        raise ValueError("an MD5 fingerprint cannot be checked: give the SHA256 one "
                         "(ssh-keygen -l -E sha256 -f KEY.pub)")
    found = _BARE.match(value) or _LISTING.match(value)
    if found is not None:
        digest = found.group(1).rstrip("=")
        raw = base64.b64decode(digest + "=")
        if base64.b64encode(raw).decode().rstrip("=") == digest:  # the spare bits are zero
            return f"SHA256:{digest}"
    raise ValueError("not a key fingerprint: give SHA256:… as ssh-keygen -l prints it, or "
                     "the public key line")
