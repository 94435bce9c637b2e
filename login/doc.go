// Package login is roamfs for Linux logins: the PAM session hook (`roamfs
// pam`, run by pam_exec at session open and close) and what it needs — the
// machine's configuration file, the profile of a Linux account, the count of
// each user's sessions kept between hook runs, and the choice between a
// systemd unit and a detached daemon to serve the mount.
//
// The counting itself is service.Controller's, the same the Windows service
// runs: a user's second session shares the mount and only the last one to
// end syncs it. A hook run restores the controller from the user's session
// file, hands it the one event, and writes the count back.
package login
