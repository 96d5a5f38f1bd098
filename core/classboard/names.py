"""Class codes and nicknames: made here, and checked here whenever one comes from a link, a form or a shell.

Nothing a student types is trusted: a nickname becomes plain text of at most 40 characters (control and
format characters removed, whitespace collapsed), and a class code must match CODE_PATTERN.
"""
import random
import re
import unicodedata

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read off a projector
CODE_PATTERN = re.compile(r"^[A-Z0-9]{3,12}$")
NICKNAME_MAX = 40
SERVER = "(server)"  # the pseudo-student that "Fill the gaps" records its runs for
ADJECTIVES = ("Brave", "Calm", "Clever", "Curious", "Eager", "Gentle", "Happy", "Keen", "Lucky", "Merry",
              "Nimble", "Patient", "Quick", "Quiet", "Sunny", "Swift", "Witty", "Bold", "Bright", "Cheerful")
ANIMALS = ("Otter", "Falcon", "Badger", "Heron", "Lynx", "Panda", "Robin", "Koala", "Gecko", "Puffin",
           "Marten", "Ibex", "Wren", "Seal", "Tapir", "Quokka", "Lemur", "Bison", "Crane", "Dolphin")


class BadCode(ValueError):
    """A class code that is malformed (the message says what a code looks like)."""


def new_code(rng=random, length=5):
    """A fresh random class code such as 'K7PQM'."""
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(length))


def clean_code(raw):
    """The class code in `raw`, upper-cased and trimmed; BadCode if it is not 3-12 letters or digits."""
    code = str(raw or "").strip().upper()
    if not CODE_PATTERN.match(code):
        shown = re.sub(r"[^A-Za-z0-9-]", "?", str(raw or ""))[:16]  # nothing Markdown could style
        raise BadCode(f"'{shown}' is not a class code: a code is 3 to 12 letters or digits, such as BARS7.")
    return code


def friendly_name(rng=random):
    """A random friendly nickname such as 'Curious Otter 42'."""
    return f"{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)} {rng.randint(10, 99)}"


def clean_nickname(raw):
    """(nickname, note): plain text of at most 40 characters; note says what was changed, or is None.

    Control and format characters are removed, runs of whitespace become one space, and the name the
    server's own runs use is not available to students. An empty result gives ('', note).
    """
    text = "".join(" " if ch.isspace() else ch for ch in str(raw or "")
                   if ch.isspace() or unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    notes = []
    if text != " ".join(str(raw or "").split()):
        notes.append("control characters removed")
    if len(text) > NICKNAME_MAX:
        text = text[:NICKNAME_MAX].rstrip()
        notes.append(f"cut to {NICKNAME_MAX} characters")
    if text.lower() == SERVER:
        text = "server (student)"
        notes.append(f"'{SERVER}' is kept for the server's own runs")
    if not text:
        return "", "A nickname needs at least one visible character."
    return text, ("Nickname " + ", ".join(notes) + ".") if notes else None
