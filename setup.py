"""Packaging for minipbx: the `firmware` and `hal` packages and the `minipbx` command."""
from setuptools import find_packages, setup

setup(
    name="minipbx",
    version="0.1.0",
    description="Office telephone exchange firmware for Raspberry Pi-class boards",
    python_requires=">=3.11",
    packages=find_packages(include=["firmware", "firmware.*", "hal", "hal.*"]),
    package_data={"firmware": ["edge/*.cfg.tmpl", "py.typed",
                              # The web admin's pages; static/vendor is filled by firmware/web/vendor.sh.
                              "web/static/*.*", "web/static/js/*.js", "web/static/js/pages/*.js",
                              "web/static/i18n/*.json", "web/static/vendor/*"],
                  "hal": ["py.typed"]},
    install_requires=[
        # Built from pinned source by pjproject/build-wheel.sh (`make venv` installs it first):
        # the registries only have a build with 4 calls per process and none for aarch64.
        "pjsua2==2.16",
        "sqlite-utils>=4.0",
        "pyserial>=3.5",
        "sounddevice>=0.4.6",
        "numpy>=1.24",
        # Directory sync (LDAP / Active Directory); pure Python.
        "ldap3>=2.9",
        # The HTTP API (firmware/api/): see docs/http-api.md for why these.
        "fastapi>=0.110",
        "uvicorn>=0.29",
        # Webhook deliveries (firmware/webhooks/delivery.py); the tests' HTTP client too.
        "httpx>=0.27",
    ],
    extras_require={
        # Board back-ends: RPi.GPIO on a Pi 4, rpi-lgpio (same API over lgpio) on a Pi 5.
        "pi4": ["RPi.GPIO>=0.7.1"],
        "pi5": ["rpi-lgpio>=0.6"],
        "test": [
            "pytest>=8",
            "pytest-timeout>=2.3",
            "pytest-xdist>=3.5",
            "aiosmtpd>=1.4",
            "ruff>=0.6",
            "mypy>=1.10",
            "types-pyserial",
            # The web admin's tests drive Debian's Chromium (/usr/bin/chromium) with it.
            "playwright>=1.45",
            # Reading back the People page's QR code from a screenshot (wheels, no system library).
            "zxing-cpp>=2.2",
            "pillow>=10",
        ],
    },
    entry_points={"console_scripts": ["minipbx=firmware.cli.main:main"]},
)
