"""The appliance around the PBX: image layout, first boot, self-test, console, systemd notify.

Nothing here is imported by the brain's call path except `sdnotify` (readiness and
watchdog pings) and `selftest.load_result` / `credentials.verify_admin_pin`.
"""
