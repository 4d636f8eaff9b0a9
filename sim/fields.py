"""Field types checked at the edge, shared by every file format (scenario, sweep, observations).

Every numeric field is a finite number unless its documentation says otherwise; a boolean or a string is not a
number; names and labels have no control characters; dates are calendar dates ``YYYY-MM-DD`` within
[``MIN_DATE``, ``MAX_DATE``]. pydantic only (no model imports), so every schema can use them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2200, 12, 31)
MAX_LABEL = 200  # characters in a name or a label
MAX_TEXT = 20_000  # characters in a description or a question
DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def _number(value: Any) -> Any:
    """An int or a float, not a boolean and not a string (YAML's quoted '1.5' is text)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got a boolean ({str(value).lower()})")
    if not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__} {_short(value)}")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    return value


def _not_nan(value: float) -> float:
    if math.isnan(value):
        raise ValueError("expected a number, got nan")
    return value


def _integer(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got a boolean ({str(value).lower()})")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int):
        raise ValueError(f"expected an integer, got {type(value).__name__} {_short(value)}")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def control_characters(text: str, *, allow_newlines: bool = False) -> list[str]:
    """The control characters in ``text`` (Unicode categories Cc, Cf, Zl, Zp), as escapes; tabs and newlines
    pass in free text when ``allow_newlines``."""
    ok = "\n\t\r" if allow_newlines else ""
    return [
        repr(ch)[1:-1] if ch.isascii() else f"U+{ord(ch):04X}"
        for ch in text
        if ch not in ok and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
    ]


def _plain(text: str) -> str:
    bad = control_characters(text)
    if bad:
        raise ValueError(f"expected text without control characters, got {bad[0]} in {_short(text)}")
    return text


def _free(text: str) -> str:
    bad = control_characters(text, allow_newlines=True)
    if bad:
        raise ValueError(f"expected text without control characters (other than newlines), got {bad[0]}")
    return text


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__} {_short(value)}")
    return value


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"expected a date YYYY-MM-DD, got a date and time {value.isoformat()}")
    if isinstance(value, str) and DATE_TEXT.fullmatch(value.strip()):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {value!r} (no such day)") from None
    if not isinstance(value, dt.date):
        raise ValueError(f"expected a date YYYY-MM-DD, got {_short(value)}")
    return check_date(value)


def check_date(value: dt.date) -> dt.date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"expected a date in [{MIN_DATE}, {MAX_DATE}], got {value}")
    return value


def parse_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD (and only so: not 20251211), within [MIN_DATE, MAX_DATE]; ValueError if not."""
    return _date(text if isinstance(text, str) else str(text))


# A finite number (int or float, not a boolean or a string).
Finite = Annotated[float, BeforeValidator(_number), AfterValidator(_finite)]
# A number that may be infinite (documented where used, e.g. a truncated normal's open side), never NaN.
Extended = Annotated[float, Field(allow_inf_nan=True), BeforeValidator(_number), AfterValidator(_not_nan)]
# An integer (a float with an integer value is accepted; a boolean or a string is not).
Integer = Annotated[int, BeforeValidator(_integer)]
# A name, a label or a mapping key: no control characters.
Label = Annotated[str, BeforeValidator(_text), Field(max_length=MAX_LABEL), AfterValidator(_plain)]
# A description or a question: free text, newlines allowed.
Text = Annotated[str, BeforeValidator(_text), Field(max_length=MAX_TEXT), AfterValidator(_free)]
# A calendar date YYYY-MM-DD within [MIN_DATE, MAX_DATE] (not a number of seconds since 1970).
Date = Annotated[dt.date, BeforeValidator(_date)]
