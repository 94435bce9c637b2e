package test

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"roamfs/internal/smbdtest"
)

// scSMBStories are the stories TestScenariosOverSMB plays through Samba: the
// merge rules where a share differs from a local directory (a conflict copy
// made on the share, a delete that loses to a newer write, a file written by
// another machine after the load time, a case-only rename on a share that
// folds case, and twins differing in case that Samba shows from its ext4
// directory).
var scSMBStories = []string{
	"modify_vs_modify_newer_last",
	"delete_vs_modify_modify_first",
	"w2k_review_doc",
	"case_only_rename",
	"case_server_twins",
}

// TestScenariosOverSMB plays chosen stories of testdata/scenarios with the
// server an smb:// address on one private smbd (internal/smbdtest), each
// story in a profile folder of its own on the share, and compares them with
// the same goldens as TestScenarios: "== server" is the share's backing
// directory. The goldens list no modes (the share keeps none) and write a
// story time to the minute (the share keeps 100 ns), so they need no
// translation. It never writes a golden: with -update it only compares, the
// goldens being what the directory store does.
func TestScenariosOverSMB(t *testing.T) {
	srv, _ := smbServer(t)
	u, err := user.Lookup(smbdtest.User)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	for _, name := range scSMBStories {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join("testdata", "scenarios", name+".txt")
			r := newSCRunOn(t, srv.URL("profiles", name), filepath.Join(srv.Shares["profiles"], name))
			scPlayStory(t, file, r, false)
			noTemps(t, srv)
			// Through smbd, what a logoff made belongs to the share's user.
			fi, err := os.Stat(filepath.Join(r.serverDir, "Documents"))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Sys().(*syscall.Stat_t).Uid; int(got) != uid {
				t.Errorf("the share's Documents belongs to uid %d, not to %s (%d): the story did not go through smbd", got, smbdtest.User, uid)
			}
		})
	}
}
