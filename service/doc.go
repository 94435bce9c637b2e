// Package service is the logon service's logic: it turns the session changes
// Windows reports (a user logged on, logged off, the machine shuts down) into
// `roamfs logon` and `roamfs logoff` of the right profile, and keeps count of
// a user's sessions so a second session of the same user (console plus remote
// desktop) shares the mount and only the last one to end syncs it.
//
// Everything here is portable and tested on Linux through the built binary and
// real mounts; windows.go only receives the Service Control Manager's
// notifications and reads the registry.
package service
