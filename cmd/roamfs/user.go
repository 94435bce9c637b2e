package main

// profileUser is whose profile a session serves (logon --user), as Windows'
// profile service runs as SYSTEM on behalf of the user logging on. UID/GID
// are the POSIX ids on Linux; SID is the account's security id on Windows.
type profileUser struct {
	Name     string
	UID, GID int
	SID      string
}
