package journald

import "testing"

func TestFieldName(t *testing.T) {
	for in, want := range map[string]string{
		"event_id": "EVENT_ID", "user": "USER", "mount-point": "MOUNT_POINT",
		"_private": "PRIVATE", "1x": "X", "message": "", "priority": "", "": "",
	} {
		if got := fieldName(in); got != want {
			t.Errorf("fieldName(%q) = %q, want %q", in, got, want)
		}
	}
}
