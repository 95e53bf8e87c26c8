"""Local fakes of the help desk APIs that issue 15 syncs from (tests only, loopback only)."""
