"""System prompts (spoken by espeak-ng at build time) and company greetings (uploaded or
recorded from a phone). The library finds the file a call application plays."""
