"""Load test of a built pjsua2: imports the module, starts the library on the null sound
device and checks the codecs. Catches a missing symbol or library at build time rather
than in the first call worker. Runs on the wheel's own Python (under qemu-aarch64-static for
the aarch64 wheel), so it uses nothing but pjsua2 and the standard library.

    PYTHONPATH=UNPACKED_WHEEL python3.11 load_test.py "PCMU PCMA G722 opus"
"""

import sys

import pjsua2 as pj


def main(expected: list[str]) -> int:
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.logConfig.level = 0
    cfg.logConfig.consoleLevel = 0
    ep.libInit(cfg)
    ep.audDevManager().setNullDev()
    ep.libStart()
    codecs = [c.codecId.split("/")[0] for c in ep.codecEnum2()]
    text_streams = pj.CallOpParam(True).opt.textCount
    ep.libDestroy()
    print("codecs:", ", ".join(codecs))
    missing = set(expected) - set(codecs)
    if missing:
        print(f"codecs missing from the build: {sorted(missing)}", file=sys.stderr)
        return 1
    if text_streams:
        print(f"calls still offer {text_streams} text stream(s): patches/no-text-stream.patch not applied",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].split() if len(sys.argv) > 1 else []))
