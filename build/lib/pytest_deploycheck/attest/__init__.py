"""Signed attestations: SSH signatures (SSHSIG) over human-readable statements."""
