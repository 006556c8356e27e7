"""Target hosts: groups of hosts in the environment config (:mod:`.groups`), running
checks on them through pytest-testinfra's backends (:mod:`.targets`), and their
connections (:mod:`.connections`).

Config (``checks/deploycheck.yaml``)::

    environments:
      demo:
        hosts:
          web: [local://]                          # a list of testinfra host URLs …
      production:
        hosts:
          web:                                     # … or the URLs with connection settings
            hosts: [ssh://deploy@web-1, ssh://deploy@web-2:2222]
            ssh_config: deploy/ssh_config
            identity_file: ~/.ssh/deploy_ed25519
            connect_timeout: 5s
            sudo: true
            max_sessions: 4                        # probes at once on one host
            ssh_control_persist: 10m               # connections kept for the next run

An item with ``on: web`` is collected once per host of the group (``item[web-1]``).
We write no SSH client: a :class:`~.targets.Target` hands each command to testinfra.
"""
