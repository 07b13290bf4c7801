"""Browser tests: Playwright driving Debian's Chromium against the app served on loopback."""
