// Package winevent is roamfs' Windows Event Log writer: it puts the log
// events into the Application log, source "roamfs", with message resources
// generated from the one event table (event.All) the Linux log uses too, so
// Event Viewer shows each event's text instead of "The description for Event
// ID … cannot be found".
//
// Almost everything here is portable and tested on Linux: the message table
// resource (encoder and decoder), the FormatMessage escaping, the Message
// Compiler source, the zap core's choice of events, their type and their
// insertion string. Only the calls into the registry and ReportEvent are
// Windows-only (eventlog_windows.go).
package winevent
