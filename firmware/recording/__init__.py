"""Call recording: which conversations are recorded (policy), the brain's side of recording
them in the call workers (desk), the index of files, and how long they are kept (retention).
See docs/recording.md."""
