"""Class codes, teacher tokens and nicknames: made here, and checked here whenever one comes from a link, a form
or a shell.

Nothing a student types is trusted: a nickname becomes plain text of at most 40 characters (control and
format characters removed, whitespace collapsed), and a class code must match CODE_PATTERN. A new class's code,
a custom one too, has at least CODE_MIN characters from CODE_ALPHABET (about 31^6 = 887 million codes), so
codes cannot be guessed one after another; codes of older classes (3 to 12 letters or digits) still open.
"""
import hashlib
import random
import re
import secrets
import unicodedata

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read off a projector
CODE_MIN = 6
CODE_PATTERN = re.compile(r"^[A-Z0-9]{3,12}$")  # any code a class may have (older classes had 3-5 characters)
NEW_CODE_PATTERN = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_MIN},12}}$")  # a code for a new class
NICKNAME_MAX = 40
SERVER = "(server)"  # the pseudo-student that "Fill the gaps" records its runs for
ADJECTIVES = ("Brave", "Calm", "Clever", "Curious", "Eager", "Gentle", "Happy", "Keen", "Lucky", "Merry",
              "Nimble", "Patient", "Quick", "Quiet", "Sunny", "Swift", "Witty", "Bold", "Bright", "Cheerful")
ANIMALS = ("Otter", "Falcon", "Badger", "Heron", "Lynx", "Panda", "Robin", "Koala", "Gecko", "Puffin",
           "Marten", "Ibex", "Wren", "Seal", "Tapir", "Quokka", "Lemur", "Bison", "Crane", "Dolphin")


class BadCode(ValueError):
    """A class code that is malformed (the message says what a code looks like)."""


def new_code(rng=secrets, length=CODE_MIN):
    """A fresh random class code such as 'K7PQMW'."""
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(length))


def check_new_code(raw):
    """A custom code for a new class, upper-cased; BadCode unless it is 6-12 characters without look-alikes."""
    code = clean_code(raw)
    if not NEW_CODE_PATTERN.match(code):
        raise BadCode(f"A new class's code needs {CODE_MIN} to 12 letters or digits other than 0, O, 1, I and L "
                      f"(they look alike on a projector), such as {new_code()}.")
    return code


def new_teacher_token():
    """An unguessable teacher token for a class's teacher link (shown once; only its hash is stored)."""
    return secrets.token_urlsafe(24)


def token_hash(token):
    """The SHA-256 of a teacher token, as stored in the database."""
    return hashlib.sha256(str(token or "").encode("utf-8", "replace")).hexdigest()


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
