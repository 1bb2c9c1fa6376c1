"""Returning callers (`icm:NAME`): send a caller to the employee who last talked
with them (call records) or whom a CRM names, else to a fallback destination.

    config.py   the destinations and their checks (`icm set|list|remove`)
    numbers.py  caller numbers made comparable (separators, +/00, area code)
    crm.py      one HTTP lookup against a CRM, bounded by a timeout
    lookup.py   find_employee(): the sources in order, first usable answer wins
"""
