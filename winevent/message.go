package winevent

import "strings"

// Event is one row of the event table as the message resources need it.
type Event struct {
	ID   uint32
	Text string // plain text, as the Linux log and `roamfs events` show it
}

// Definition is the FormatMessage definition stored for an event: its text,
// a blank line, then the insertion string (%1) that carries the entry's
// message and fields. The line breaks are CRLF and the definition ends with
// one, exactly what the Message Compiler makes of the same message in
// roamfs.mc, so a message DLL built from it shows the same text.
func Definition(text string) string {
	return EscapeText(text) + "\r\n\r\n%1\r\n"
}

// EscapeText makes plain text safe as FormatMessage message text. Only '%'
// starts an escape or insert ("%1", "%n", "%0" would otherwise change or cut
// the text), so it becomes "%%". '!' needs nothing: it is only special right
// after an insert number ("%1!d!"), and with every '%' doubled no insert can
// precede it. Lone LFs become CRLF, the line break Event Viewer expects.
func EscapeText(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "%", "%%")
	return strings.ReplaceAll(text, "\n", "\r\n")
}
