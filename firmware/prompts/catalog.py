"""The system prompts: what each one says, in every language callers can choose.

Call applications name prompts (`welcome`, `enter-pin`, ...); `build` speaks each text
with espeak-ng into `<lang>/<name>.wav`. Numbers are spoken from their digits string
("21"), so espeak says them the way the language does ("twenty-one", "einundzwanzig").

Sentences that end in a key press name the key the way phones label it: "hash" /
"Raute" for #, "star" / "Stern" for *.

This module is the standard library only: flash.sh runs the build on the build host
with the system Python, without the firmware's dependencies.
"""
from __future__ import annotations

LANGUAGES = ("en", "de")
# espeak-ng voice per language (`espeak-ng --voices=de` lists what is installed).
VOICES = {"en": "en", "de": "de"}

# name -> (English, German)
_SENTENCES: dict[str, tuple[str, str]] = {
    "welcome": ("Welcome.", "Willkommen."),
    "please-hold": ("Please hold.", "Bitte warten Sie."),
    "parked-at": ("The call is parked at", "Der Anruf ist geparkt auf"),
    # Page and park: "Call on 7 0 1" over the paging phones and zones.
    "page-call-on": ("Call on", "Anruf auf"),
    "not-available": ("The person you are calling is not available.",
                      "Der gewünschte Gesprächspartner ist nicht erreichbar."),
    "busy": ("The person you are calling is busy.", "Der gewünschte Gesprächspartner telefoniert gerade."),
    "leave-message": ("Please leave a message after the tone. When you are finished, hang up or press hash.",
                      "Bitte hinterlassen Sie nach dem Signalton eine Nachricht. Wenn Sie fertig sind, "
                      "legen Sie auf oder drücken Sie Raute."),
    "extension": ("Extension", "Nebenstelle"),
    "invalid": ("That is not a valid choice.", "Diese Auswahl ist ungültig."),
    "goodbye": ("Goodbye.", "Auf Wiederhören."),
    "conf-enter-pin": ("Please enter the conference PIN, then hash.",
                       "Bitte geben Sie die PIN der Konferenz ein, dann Raute."),
    "conf-alone": ("You are the only participant in this conference.",
                   "Sie sind der einzige Teilnehmer dieser Konferenz."),
    "conf-locked": ("This conference is locked.", "Diese Konferenz ist gesperrt."),
    "conf-full": ("This conference is full.", "Diese Konferenz ist voll."),
    "enter-mailbox": ("Please enter your mailbox number, then hash.",
                      "Bitte geben Sie Ihre Mailboxnummer ein, dann Raute."),
    "enter-pin": ("Please enter your PIN, then hash.", "Bitte geben Sie Ihre PIN ein, dann Raute."),
    "wrong-pin": ("That PIN is not correct.", "Diese PIN ist nicht richtig."),
    "locked-out": ("Too many wrong attempts. Please try again later.",
                   "Zu viele falsche Versuche. Bitte versuchen Sie es später noch einmal."),
    "you-have": ("You have", "Sie haben"),
    "new-message": ("new message", "neue Nachricht"),
    "new-messages": ("new messages", "neue Nachrichten"),
    "saved-message": ("saved message", "gespeicherte Nachricht"),
    "saved-messages": ("saved messages", "gespeicherte Nachrichten"),
    # "1 new message" reads "eins neue Nachricht" in German: these say the count too.
    "one-new-message": ("one new message", "eine neue Nachricht"),
    "one-saved-message": ("one saved message", "eine gespeicherte Nachricht"),
    "no-messages": ("You have no messages.", "Sie haben keine Nachrichten."),
    "vm-main-menu": ("To listen to new messages press 1, saved messages press 2, to change your greetings "
                     "press 0, to change your PIN press 9.",
                     "Für neue Nachrichten drücken Sie die 1, für gespeicherte Nachrichten die 2, um Ihre "
                     "Ansagen zu ändern die 0, um Ihre PIN zu ändern die 9."),
    "vm-message-options": ("To replay press 1, to save press 2, to delete press 3, to forward it to another "
                           "mailbox press 4, for the next message press 6, to go back press star.",
                           "Zum Wiederholen drücken Sie die 1, zum Speichern die 2, zum Löschen die 3, zum "
                           "Weiterleiten an eine andere Mailbox die 4, für die nächste Nachricht die 6, "
                           "zurück mit Stern."),
    "vm-greetings-menu": ("To record your unavailable greeting press 1, your busy greeting press 2, your name "
                          "press 3. To go back press star.",
                          "Um Ihre Ansage für Abwesenheit aufzunehmen, drücken Sie die 1, Ihre Ansage für "
                          "besetzt die 2, Ihren Namen die 3. Zurück mit Stern."),
    "message-saved": ("Message saved.", "Nachricht gespeichert."),
    "message-deleted": ("Message deleted.", "Nachricht gelöscht."),
    "message-forwarded": ("Message forwarded.", "Nachricht weitergeleitet."),
    "enter-forward-mailbox": ("Please enter the mailbox number to forward to, then hash.",
                              "Bitte geben Sie die Mailboxnummer ein, an die die Nachricht gehen soll, "
                              "dann Raute."),
    "no-more-messages": ("There are no more messages.", "Es gibt keine weiteren Nachrichten."),
    "record-after-tone": ("Record after the tone. Press hash when you are finished.",
                          "Sprechen Sie nach dem Signalton. Drücken Sie Raute, wenn Sie fertig sind."),
    "review-recording": ("To keep it press 1, to listen to it press 2, to record again press 3.",
                         "Zum Behalten drücken Sie die 1, zum Anhören die 2, zum neu Aufnehmen die 3."),
    "recording-kept": ("Your recording has been saved.", "Ihre Aufnahme wurde gespeichert."),
    "recording-too-short": ("The recording was too short or silent.",
                            "Die Aufnahme war zu kurz oder ohne Ton."),
    "cannot-record": ("Sorry, no message can be recorded at the moment.",
                      "Leider kann im Moment keine Nachricht aufgenommen werden."),
    "new-pin": ("Please enter a new PIN of four to ten digits, then hash.",
                "Bitte geben Sie eine neue PIN mit vier bis zehn Ziffern ein, dann Raute."),
    "pin-changed": ("Your PIN has been changed.", "Ihre PIN wurde geändert."),
    "pin-too-simple": ("That PIN is too simple. Please choose another one.",
                       "Diese PIN ist zu einfach. Bitte wählen Sie eine andere."),
    "forwarding-on": ("Call forwarding is on.", "Die Rufumleitung ist eingeschaltet."),
    "forwarding-off": ("Call forwarding is off.", "Die Rufumleitung ist ausgeschaltet."),
    "dnd-on": ("Do not disturb is on.", "Bitte nicht stören ist eingeschaltet."),
    "dnd-off": ("Do not disturb is off.", "Bitte nicht stören ist ausgeschaltet."),
    "enter-number": ("Please enter the number, then hash.", "Bitte geben Sie die Nummer ein, dann Raute."),
    "not-allowed": ("This call is not allowed.", "Dieser Anruf ist nicht erlaubt."),
    "enter-greeting-number": ("Please enter the greeting number, then hash.",
                              "Bitte geben Sie die Nummer der Ansage ein, dann Raute."),
    "caller-number": ("You are caller number", "Sie sind Anrufer Nummer"),
    "estimated-wait": ("Your estimated waiting time is", "Ihre voraussichtliche Wartezeit beträgt"),
    "minutes": ("minutes", "Minuten"),
    "one-minute": ("one minute", "eine Minute"),
    "callback-press": ("To be called back instead of waiting, press",
                       "Um zurückgerufen zu werden, statt zu warten, drücken Sie die"),
    "callback-at": ("To be called back at", "Um zurückgerufen zu werden unter"),
    "callback-confirm": ("press 1. For another number, enter it, then hash.",
                         "drücken Sie die 1. Für eine andere Nummer geben Sie sie ein, dann Raute."),
    "callback-booked": ("Thank you. We will call you back when it is your turn. Goodbye.",
                        "Vielen Dank. Wir rufen Sie zurück, sobald Sie an der Reihe sind. Auf Wiederhören."),
    "queue-logged-in": ("You are logged in to the queue.", "Sie sind in der Warteschlange angemeldet."),
    "queue-logged-out": ("You are logged out of the queue.", "Sie sind von der Warteschlange abgemeldet."),
    "queue-paused": ("You are paused. Enter a reason code, then hash, or hang up.",
                     "Sie sind in Pause. Geben Sie einen Grund ein, dann Raute, oder legen Sie auf."),
    "queue-unpaused": ("You are back in the queue.", "Sie sind wieder in der Warteschlange."),
    "queue-not-agent": ("You are not an agent of this queue.", "Sie sind kein Agent dieser Warteschlange."),
    "mailbox": ("Mailbox", "Mailbox"),
    "message": ("Message", "Nachricht"),
    "from": ("from", "von"),
    "unknown-caller": ("an unknown caller", "einem unbekannten Anrufer"),
    "number-unavailable": ("The number you have dialled is not available.",
                           "Die gewählte Rufnummer ist nicht erreichbar."),
    # Keypad programming (*99, firmware/apps/programming/).
    "prog-enter-pin": ("Keypad programming. Please enter the admin PIN, then hash.",
                       "Programmierung. Bitte geben Sie die Admin-PIN ein, dann Raute."),
    "prog-menu": ("Programming mode. Enter a program number, then hash. For the list of programs, "
                  "0 0 hash. Star ends programming.",
                  "Programmiermodus. Geben Sie eine Programmnummer ein, dann Raute. Für die Liste der "
                  "Programme 0 0 Raute. Stern beendet die Programmierung."),
    # What each program does, said by program 00 after its number (apps/programming/programs.py).
    "prog-what-01": ("the address of the box", "die Adresse der Anlage"),
    "prog-what-02": ("the date and time", "Datum und Uhrzeit"),
    "prog-what-03": ("the software version", "die Softwareversion"),
    "prog-what-10": ("create an extension", "Nebenstelle anlegen"),
    "prog-what-11": ("remove an extension", "Nebenstelle löschen"),
    "prog-what-12": ("a new SIP password", "neues SIP-Passwort"),
    "prog-what-13": ("a new voicemail PIN", "neue Mailbox-PIN"),
    "prog-what-14": ("class of service", "Berechtigungsklasse"),
    "prog-what-15": ("call forwarding of an extension", "Rufumleitung einer Nebenstelle"),
    "prog-what-20": ("the operator extension", "die Vermittlung"),
    "prog-what-21": ("the mode now", "die Betriebsart jetzt"),
    "prog-what-22": ("the timetable", "der Zeitplan"),
    "prog-what-23": ("holidays", "Feiertage"),
    "prog-what-30": ("a door's open code and time", "Türöffnercode und Öffnungszeit"),
    "prog-what-40": ("record a company greeting", "Firmenansage aufnehmen"),
    "prog-what-50": ("pair a DECT handset", "DECT-Mobilteil anmelden"),
    "prog-what-99": ("restart the box", "Anlage neu starten"),
    "prog-program": ("Program", "Programm"),
    "prog-back": ("Back to the program menu.", "Zurück zum Programmmenü."),
    "prog-not-accepted": ("That was not accepted. Nothing was changed.",
                          "Das wurde nicht angenommen. Nichts wurde geändert."),
    "prog-confirm": ("To confirm press hash, to go back press star.",
                     "Zum Bestätigen drücken Sie Raute, zurück mit Stern."),
    "prog-enter-extension": ("Enter the extension number, then hash.",
                             "Geben Sie die Nummer der Nebenstelle ein, dann Raute."),
    "prog-created": ("created.", "angelegt."),
    "prog-removed": ("removed.", "gelöscht."),
    "prog-password-is": ("The SIP password is", "Das SIP-Passwort lautet"),
    "prog-new-password": ("has a new SIP password.", "hat ein neues SIP-Passwort."),
    "prog-repeat": ("To hear it again press 1, to go on press hash.",
                    "Zum Wiederholen drücken Sie die 1, weiter mit Raute."),
    "prog-pin-is": ("The new voicemail PIN is", "Die neue Mailbox-PIN lautet"),
    "prog-operator-is": ("The operator is extension", "Die Vermittlung ist Nebenstelle"),
    "prog-enter-mode": ("Enter the mode: 1 day, 2 lunch, 3 break, 4 night, 5 holiday, 0 back to the timetable.",
                        "Geben Sie die Betriebsart ein: 1 Tag, 2 Mittag, 3 Pause, 4 Nacht, 5 Feiertag, "
                        "0 zurück zum Zeitplan."),
    "prog-mode-is": ("The mode is now", "Die Betriebsart ist jetzt"),
    "mode-day": ("day", "Tag"),
    "mode-lunch": ("lunch", "Mittag"),
    "mode-break": ("break", "Pause"),
    "mode-night": ("night", "Nacht"),
    "mode-holiday": ("holiday", "Feiertag"),
    "mode-timetable": ("as the timetable says", "nach Zeitplan"),
    "prog-enter-weekday": ("Enter the weekday: 1 Monday to 7 Sunday, 8 Monday to Friday, 9 every day.",
                           "Geben Sie den Wochentag ein: 1 Montag bis 7 Sonntag, 8 Montag bis Freitag, "
                           "9 jeden Tag."),
    "prog-enter-interval": ("Enter a time span: the start and the end, four digits each, and the mode, "
                            "then hash. Hash alone when you are done.",
                            "Geben Sie eine Zeitspanne ein: Beginn und Ende mit je vier Ziffern und die "
                            "Betriebsart, dann Raute. Nur Raute, wenn Sie fertig sind."),
    "prog-timetable-set": ("The timetable is set.", "Der Zeitplan ist gespeichert."),
    "prog-holiday-menu": ("To add a holiday press 1, to remove one press 2.",
                          "Um einen Feiertag einzutragen, drücken Sie die 1, zum Entfernen die 2."),
    "prog-enter-date": ("Enter the date: year, month and day, eight digits, then hash.",
                        "Geben Sie das Datum ein: Jahr, Monat und Tag, acht Ziffern, dann Raute."),
    "prog-holiday-added": ("The holiday is added.", "Der Feiertag ist eingetragen."),
    "prog-holiday-removed": ("The holiday is removed.", "Der Feiertag ist entfernt."),
    "prog-enter-class": ("Enter the class of service by its number in the list, then hash.",
                         "Geben Sie die Berechtigungsklasse mit ihrer Nummer in der Liste ein, dann Raute."),
    "prog-class-set": ("The class of service is set.", "Die Berechtigungsklasse ist gesetzt."),
    "prog-enter-forwarding": ("Enter the forwarding: 1 always, 2 when busy, 3 when not answered, "
                              "4 when not registered.",
                              "Geben Sie die Umleitung ein: 1 immer, 2 bei besetzt, 3 bei keiner Antwort, "
                              "4 wenn nicht angemeldet."),
    "prog-enter-target": ("Enter the number to forward to, then hash. Hash alone cancels the forwarding.",
                          "Geben Sie das Umleitungsziel ein, dann Raute. Nur Raute schaltet die Umleitung aus."),
    "prog-enter-door": ("Enter the door number.", "Geben Sie die Nummer der Tür ein."),
    "prog-enter-door-code": ("Enter the digits of the open code after the star, then hash.",
                             "Geben Sie die Ziffern des Türöffnercodes nach dem Stern ein, dann Raute."),
    "prog-enter-seconds": ("Enter the open time in seconds, then hash.",
                           "Geben Sie die Öffnungszeit in Sekunden ein, dann Raute."),
    "prog-door-set": ("The door is set.", "Die Tür ist eingestellt."),
    "prog-address-is": ("The address of this box is", "Die Adresse dieser Anlage ist"),
    "prog-date-is": ("The date is", "Das Datum ist"),
    "prog-time-is": ("The time is", "Die Uhrzeit ist"),
    "prog-version-is": ("The software version is", "Die Softwareversion ist"),
    "prog-pairing-open": ("The pairing window is open for", "Das Anmeldefenster ist offen für"),
    "seconds": ("seconds", "Sekunden"),
    "prog-handset-gets": ("The new handset gets extension", "Das neue Mobilteil erhält Nebenstelle"),
    "prog-pairing-failed": ("The pairing window could not be opened.",
                            "Das Anmeldefenster konnte nicht geöffnet werden."),
    "prog-rebooting": ("The box restarts now. Goodbye.", "Die Anlage startet jetzt neu. Auf Wiederhören."),
    "prog-reboot-simulated": ("This is a simulated board: it does not restart.",
                              "Dies ist eine simulierte Anlage: sie startet nicht neu."),
}

# The keys * and #, spoken as their names on the keypad.
_KEYS: dict[str, tuple[str, str]] = {"star": ("star", "Stern"), "hash": ("hash", "Raute"),
                                     "dot": ("dot", "Punkt")}


def _catalog() -> dict[str, dict[str, str]]:
    catalog: dict[str, dict[str, str]] = {}
    for index, lang in enumerate(LANGUAGES):
        texts = {name: pair[index] for name, pair in _SENTENCES.items()}
        texts.update({f"num-{n}": str(n) for n in range(100)})
        texts.update({f"digit-{d}": str(d) for d in range(10)})
        texts.update({f"digit-{key}": pair[index] for key, pair in _KEYS.items()})
        catalog[lang] = texts
    return catalog


# language -> prompt name -> text
PROMPTS: dict[str, dict[str, str]] = _catalog()
# Every system prompt name, the same in every language.
NAMES: tuple[str, ...] = tuple(PROMPTS[LANGUAGES[0]])
