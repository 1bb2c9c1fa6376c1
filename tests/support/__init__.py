"""Test support: a pjsua2 test phone in its own process (`phone_process`), its synchronous
wrapper for pytest (`phone.Phone`, fixtures in `fixtures`), and tone analysis (`audio`)."""
