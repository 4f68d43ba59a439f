// Package disttest checks what `make dist` ships, as a board would run it:
// the linux/arm64 controller, cross-built with CGO_ENABLED=0, runs under
// qemu-user (Debian: qemu-user-static), checks the example config, serves
// on loopback, tells systemd it is ready and alive, stops cleanly on
// SIGTERM, and its database survives a backup (-backup) and a restore as
// docs/operations.md describes them. The package has only tests.
package disttest
