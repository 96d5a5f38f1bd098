"""The class board: a class's finished runs in one database, turned into one sweep.

    experiment.py  what a class varies and holds fixed (Setup), and which runs count for it
    names.py       class codes, teacher tokens and nicknames: made and checked here
    throttle.py    wrong teacher keys and links slowed down, per session and per server
    store.py       the database on SQLAlchemy Core (SQLite file by default, PostgreSQL by URL), its queries
    recorder.py    registrations of jobs for a class, and the one writer thread that records finished runs
    results.py     tidy tables for the board's charts and sentences on what the class found
    __main__.py    the command line: python -m core.classboard new | export CODE

Nothing here imports Streamlit: the pages pass in the URL they read from the app's secrets.
"""
from core.classboard.experiment import DROP_VALUES, SIZE_VALUES, VARIES, Setup, parse_values
from core.classboard.names import SERVER, BadCode, clean_code, clean_nickname, friendly_name, new_teacher_token
from core.classboard.recorder import Recorder
from core.classboard.store import (DEFAULT_URL, Board, BoardUnavailable, ClassExists, ClassInfo, GuessRefused,
                                   NotCounted, UnknownClass, resolve_url, safe_url)

__all__ = ["Board", "BoardUnavailable", "ClassExists", "ClassInfo", "GuessRefused", "UnknownClass", "Recorder", "Setup", "VARIES",
           "DROP_VALUES", "SIZE_VALUES", "SERVER", "BadCode", "DEFAULT_URL", "clean_code", "clean_nickname",
           "friendly_name", "parse_values", "resolve_url", "NotCounted", "new_teacher_token", "safe_url"]
