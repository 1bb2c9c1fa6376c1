"""Directory sync with LDAP / Active Directory: people become extensions, leavers are disabled.

    config.py     what to connect to and how to read it (stored in the database, validated once)
    mapping.py    attribute presets (Active Directory, OpenLDAP inetOrgPerson) and reading one entry
    client.py     the LDAP conversation (ldap3): connect, StartTLS/LDAPS, bind, paged search, plain errors
    plan.py       directory entries + the store -> the changes a sync makes (no side effects)
    sync.py       carry a plan out in one transaction, e-mail new passwords, write the sync log
    leavers.py    disabled extensions: login refused, calls redirected, removal after the grace period
    schedule.py   the periodic sync the brain runs
    phonebook.py  the company directory as desk phones read it (Yealink, Grandstream XML)
"""
