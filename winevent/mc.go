package winevent

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// MCSource writes the event table as Message Compiler source, for an
// administrator who builds a message DLL of their own (another language, or a
// central EventMessageFile). Compiled with `mc -U`, its messages are the very
// definitions roamfs.exe carries. The facility and severity are declared 0 so
// the message codes mc assigns are the plain event ids ReportEvent is given;
// mc's defaults (Facility=Application 0xFFF) would shift them out of reach.
func MCSource(events []Event) []byte {
	sorted := slices.Clone(events)
	slices.SortFunc(sorted, func(a, b Event) int { return cmp.Compare(a.ID, b.ID) })

	var b strings.Builder
	b.WriteString(mcHeader)
	for _, e := range sorted {
		fmt.Fprintf(&b, "\nMessageId=%d\nSeverity=Success\nFacility=Roamfs\nLanguage=English\n", e.ID)
		def := strings.TrimSuffix(Definition(e.Text), "\r\n") // mc adds the last line break itself
		for _, line := range strings.Split(def, "\r\n") {
			if strings.HasPrefix(line, ".") {
				line = "%." + line[1:] // a line starting with '.' would end the message
			}
			b.WriteString(line + "\n")
		}
		b.WriteString(".\n")
	}
	return []byte(b.String())
}

const mcHeader = `; // roamfs.mc: the message resources of roamfs.exe (event source "roamfs",
; // Application log). Generated from event.All by ` + "`go generate ./cmd/roamfs`" + `;
; // do not edit: change the table and generate again.
; //
; // roamfs.exe carries these messages itself (EventMessageFile = roamfs.exe).
; // To build a separate message DLL, e.g. a translated one:
; //   mc -U roamfs.mc && rc roamfs.rc && link /dll /noentry /machine:x64 roamfs.res
; // and point HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\roamfs
; // EventMessageFile at it. %1 is the entry's message and fields.

MessageIdTypedef=DWORD
SeverityNames=(Success=0x0:STATUS_SEVERITY_SUCCESS)
FacilityNames=(Roamfs=0x0:FACILITY_ROAMFS)
LanguageNames=(English=0x409:MSG00409)
`
