package winevent_test

import (
	"strings"
	"testing"

	"roamfs/winevent"
)

func TestMCSource(t *testing.T) {
	src := string(winevent.MCSource([]winevent.Event{
		{ID: 1504, Text: "Upload failed at 50%."},
		{ID: 3, Text: "first\n.\nlast"},
	}))
	for _, want := range []string{
		// Facility and severity 0: mc's message code is the plain event id.
		"FacilityNames=(Roamfs=0x0:FACILITY_ROAMFS)",
		"SeverityNames=(Success=0x0:STATUS_SEVERITY_SUCCESS)",
		"LanguageNames=(English=0x409:MSG00409)",
		"\nMessageId=3\nSeverity=Success\nFacility=Roamfs\nLanguage=English\nfirst\n%.\nlast\n\n%1\n.\n",
		"\nMessageId=1504\nSeverity=Success\nFacility=Roamfs\nLanguage=English\nUpload failed at 50%%.\n\n%1\n.\n",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("roamfs.mc lacks %q:\n%s", want, src)
		}
	}
	if strings.Index(src, "MessageId=3") > strings.Index(src, "MessageId=1504") {
		t.Error("messages not in id order")
	}
}
