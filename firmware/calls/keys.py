"""Keys pressed during a conversation: passed through to the other party, or an in-call code.

A party's digits go to the other party at once (a bank's or supplier's phone menu
hears them), except digits that could start an in-call code: those are held until
the code is complete or HOLD_SECONDS pass, then passed on in order.

    idle --digit that starts no code--> relay it
    idle --'#' or '*'--> holding --code complete--> code(name)
                           |--digit that breaks the code--> relay the held digits, then this one
                           +--HOLD_SECONDS--> relay the held digits

After a code that wants a number (transfer), a NumberEntry takes the party's digits:
a whole number of the plan (an extension) or '#' ends it, so do ENTRY_SECONDS after
the last digit; nothing at all within FIRST_DIGIT_SECONDS cancels.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

HOLD_SECONDS = 1.0
ENTRY_SECONDS = 3.0
FIRST_DIGIT_SECONDS = 10.0

# In-call codes: ## + number transfers the other party (blind transfer); *2 + number
# consults the number while the other party waits (hang up to transfer); R is the
# analog hook flash (RFC 2833 event 16), which consults like *2.
BLIND_TRANSFER = "##"
ATTENDED_TRANSFER = "*2"
FLASH = "R"
# *1 starts or stops recording the conversation, where its policy allows (firmware/recording).
RECORD = "*1"
# *3 + number: the number rings while the other party waits; once it answers, all three talk.
THREE_WAY = "*3"
# After a flash while consulting (analog), this digit joins all three.
FLASH_THREE = "3"
FLASH_THREE_SECONDS = 2.0
IN_CALL_CODES = (BLIND_TRANSFER, ATTENDED_TRANSFER, FLASH, RECORD, THREE_WAY)


class InCallKeys:
    def __init__(self, relay: Callable[[str], None], code: Callable[[str], None],
                 codes: Iterable[str] = IN_CALL_CODES, hold_seconds: float = HOLD_SECONDS) -> None:
        self._relay = relay
        self._code = code
        self._codes = tuple(codes)
        self._hold_seconds = hold_seconds
        self._held = ""
        self._timer: asyncio.TimerHandle | None = None

    def press(self, digit: str) -> None:
        if self._held:
            candidate = self._held + digit
            if candidate in self._codes:
                self._clear()
                self._code(candidate)
                return
            if any(code.startswith(candidate) for code in self._codes):
                self._held = candidate
                self._restart()
                return
            self.flush()
        if digit in self._codes:
            self._code(digit)
        elif any(code.startswith(digit) for code in self._codes):
            self._held = digit
            self._restart()
        else:
            self._relay(digit)

    def flush(self) -> None:
        """Pass on what is held (the code did not come)."""
        held = self._held
        self._clear()
        for digit in held:
            self._relay(digit)

    def cancel(self) -> None:
        self._clear()

    def _restart(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self._hold_seconds, self.flush)

    def _clear(self) -> None:
        self._held = ""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class NumberEntry:
    """The number a party keys in after an in-call code."""

    def __init__(self, done: Callable[[str], None], cancelled: Callable[[], None],
                 complete: Callable[[str], bool] = lambda digits: False,
                 entry_seconds: float = ENTRY_SECONDS, first_digit_seconds: float = FIRST_DIGIT_SECONDS) -> None:
        self._done = done
        self._cancelled = cancelled
        # True once the digits are a whole number of the plan (an extension): no need to wait.
        self._complete = complete
        self._entry_seconds = entry_seconds
        self.digits = ""
        self._timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(
            first_digit_seconds, self._expired)

    def press(self, digit: str) -> None:
        if digit == "#":
            self._finish()
            return
        self.digits += digit
        if self._complete(self.digits):
            self._finish()
            return
        self._arm(self._entry_seconds)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self, seconds: float) -> None:
        self.stop()
        self._timer = asyncio.get_running_loop().call_later(seconds, self._expired)

    def _expired(self) -> None:
        self._timer = None
        self._finish()

    def _finish(self) -> None:
        self.stop()
        if self.digits:
            self._done(self.digits)
        else:
            self._cancelled()
