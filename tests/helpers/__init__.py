"""What the tests share: throwaway projects, loopback servers, an sshd, keys and
signatures by the real ssh-keygen, the seed checklists."""
