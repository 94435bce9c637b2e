package mountinfo

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	in := strings.Join([]string{
		`22 1 0:21 / /proc rw,nosuid shared:5 - proc proc rw`,
		`95 29 0:52 / /tmp/my\040profile rw,nosuid,nodev,relatime shared:61 - fuse.roamfs /tmp/cache\040dir rw,user_id=0`,
		`96 29 0:53 / /mnt/x rw - fuse.roamfs /c\134d rw`, // \134 is a backslash
		`garbage line`,
		`97 29 0:54 / /mnt/short rw -`,
		`98 29 0:55 / /mnt/odd\04 rw - ext4 /dev/sda1 rw`, // a truncated escape stays as it is
	}, "\n")
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{
		{"/proc", "proc", "proc"},
		{"/tmp/my profile", "fuse.roamfs", "/tmp/cache dir"},
		{"/mnt/x", "fuse.roamfs", `/c\d`},
		{`/mnt/odd\04`, "ext4", "/dev/sda1"},
	}
	if len(got) != len(want) {
		t.Fatalf("Parse = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestRead(t *testing.T) {
	ms, err := Read()
	if err != nil {
		t.Skipf("no mountinfo here: %v", err)
	}
	for _, m := range ms {
		if m.Dir == "/" {
			return
		}
	}
	t.Errorf("no root mount among %d", len(ms))
}
