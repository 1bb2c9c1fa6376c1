"""Conference rooms (meet-me): their configuration (rooms), the rooms in use and who is in them
(desk), and what a caller does to get in and while in (app). See docs/conference.md."""
