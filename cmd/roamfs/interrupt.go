package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// ExitInterrupted is the shell's convention for a command stopped by Ctrl-C.
const ExitInterrupted = 130

// detachOnInterrupt makes Ctrl-C (or SIGTERM) of a CLI that waits for the
// daemon say what happens: the daemon is a process of its own and goes on
// with the logon or logoff (stopping it half way would help nobody: a logoff
// cut short is finished by the next one anyway), so the CLI stops waiting,
// says so and how to follow, and exits 130. stop undoes it.
func detachOnInterrupt(what, follow string) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			fmt.Fprintf(os.Stderr, "\nroamfs: interrupted: the %s goes on in the background; %s\n", what, follow)
			os.Exit(ExitInterrupted)
		case <-done:
		}
	}()
	return func() { signal.Stop(sigs); close(done) }
}
