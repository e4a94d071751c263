"""The `walktalk` command line: wires the rooms together for people."""
