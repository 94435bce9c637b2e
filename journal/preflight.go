package journal

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// checkTables opens every table file the way badger will, but in this
// goroutine: badger opens them in background goroutines, where a damaged
// table's index makes it panic out of reach of any recover, taking the whole
// process (and with it `roamfs sync --full`, the way out) down. Here the
// panic becomes ErrCorrupt.
//
// Only the tables the MANIFEST lists are badger's: a daemon killed while it
// flushed a memtable leaves a new table file, maybe empty, that the manifest
// never got to name, and badger deletes such orphans when it opens.
func checkTables(dir string, bopt badger.Options) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		return err
	}
	listed, known := manifestTables(dir, bopt)
	for _, p := range paths {
		if id, ok := table.ParseFileID(filepath.Base(p)); known && ok {
			if _, in := listed[id]; !in {
				continue
			}
		}
		if err := checkTable(p); err != nil {
			return fmt.Errorf("%w (table %s: %v)", ErrCorrupt, filepath.Base(p), err)
		}
	}
	return nil
}

// manifestTables is the set of tables the manifest names; known is false when
// the manifest cannot be read (badger's own open then reports it), and then
// every table file is checked.
func manifestTables(dir string, bopt badger.Options) (map[uint64]badger.TableManifest, bool) {
	f, err := os.Open(filepath.Join(dir, badger.ManifestFilename))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	mf, _, err := badger.ReplayManifestFile(f, bopt.ExternalMagicVersion, bopt)
	if err != nil {
		return nil, false
	}
	return mf.Tables, true
}

func checkTable(p string) (err error) {
	mf, err := z.OpenMmapFile(p, os.O_RDONLY, 0)
	if err != nil && err != z.NewFile {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unreadable: %v", r)
		}
	}()
	t, err := table.OpenTable(mf, table.Options{ReadOnly: true, ChkMode: options.OnTableRead})
	if err != nil {
		return err
	}
	return t.Close(-1)
}
