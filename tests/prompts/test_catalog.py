"""The prompt catalog: every name the call applications use, in every language."""
from __future__ import annotations

from firmware.prompts.catalog import LANGUAGES, NAMES, PROMPTS, VOICES
from firmware.store.settings import SETTINGS, parse_setting

REQUIRED = [
    "welcome", "please-hold", "not-available", "busy", "leave-message", "extension", "invalid", "goodbye",
    "enter-mailbox", "enter-pin", "wrong-pin", "locked-out", "you-have", "new-message", "new-messages",
    "saved-message", "saved-messages", "no-messages", "vm-main-menu", "vm-message-options", "vm-greetings-menu",
    "message-saved", "message-deleted", "message-forwarded", "enter-forward-mailbox", "no-more-messages",
    "record-after-tone", "review-recording", "recording-kept", "recording-too-short", "cannot-record", "new-pin",
    "pin-changed", "pin-too-simple", "forwarding-on", "forwarding-off", "dnd-on", "dnd-off", "enter-number",
    "not-allowed", "enter-greeting-number", "caller-number", "mailbox", "message", "from", "unknown-caller",
    "number-unavailable", "digit-star", "digit-hash",
    *(f"num-{n}" for n in range(100)), *(f"digit-{d}" for d in range(10)),
]

ENGLISH = {
    "welcome": "Welcome.",
    "not-available": "The person you are calling is not available.",
    "busy": "The person you are calling is busy.",
    "leave-message": "Please leave a message after the tone. When you are finished, hang up or press hash.",
    "extension": "Extension",
    "invalid": "That is not a valid choice.",
    "enter-mailbox": "Please enter your mailbox number, then hash.",
    "enter-pin": "Please enter your PIN, then hash.",
    "locked-out": "Too many wrong attempts. Please try again later.",
    "new-message": "new message",
    "no-messages": "You have no messages.",
    "vm-main-menu": "To listen to new messages press 1, saved messages press 2, to change your greetings press 0, "
                    "to change your PIN press 9.",
    "vm-message-options": "To replay press 1, to save press 2, to delete press 3, to forward it to another mailbox "
                          "press 4, for the next message press 6, to go back press star.",
    "vm-greetings-menu": "To record your unavailable greeting press 1, your busy greeting press 2, your name "
                         "press 3. To go back press star.",
    "record-after-tone": "Record after the tone. Press hash when you are finished.",
    "review-recording": "To keep it press 1, to listen to it press 2, to record again press 3.",
    "cannot-record": "Sorry, no message can be recorded at the moment.",
    "new-pin": "Please enter a new PIN of four to ten digits, then hash.",
    "dnd-on": "Do not disturb is on.",
    "enter-number": "Please enter the number, then hash.",
    "not-allowed": "This call is not allowed.",
    "enter-greeting-number": "Please enter the greeting number, then hash.",
    "caller-number": "You are caller number",
    "mailbox": "Mailbox",
    "message": "Message",
    "from": "from",
    "num-21": "21",
}


def test_every_language_the_setting_accepts_has_every_required_prompt() -> None:
    assert SETTINGS["language"].default in LANGUAGES
    for lang in LANGUAGES:
        assert parse_setting("language", lang) == lang
    for lang in LANGUAGES:
        missing = [name for name in REQUIRED if not PROMPTS[lang].get(name, "").strip()]
        assert missing == [], (lang, missing)
        assert set(PROMPTS[lang]) == set(NAMES)
    assert VOICES == {"en": "en", "de": "de"}


def test_english_says_what_callers_are_promised() -> None:
    assert {name: PROMPTS["en"][name] for name in ENGLISH} == ENGLISH


def test_german_is_german_and_keys_are_named_as_on_the_keypad() -> None:
    assert PROMPTS["de"]["welcome"] == "Willkommen."
    assert (PROMPTS["en"]["digit-hash"], PROMPTS["de"]["digit-hash"]) == ("hash", "Raute")
    assert (PROMPTS["en"]["digit-star"], PROMPTS["de"]["digit-star"]) == ("star", "Stern")
    assert PROMPTS["de"]["num-99"] == "99"
    different = [name for name in NAMES if not name.startswith(("num-", "digit-")) and name != "mailbox"
                 and PROMPTS["de"][name] == PROMPTS["en"][name]]
    assert different == []
