package journal

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// checkTables opens every table file the way badger will, but in this
// goroutine: badger opens them in background goroutines, where a damaged
// table's index makes it panic out of reach of any recover, taking the whole
// process (and with it `roamfs sync --full`, the way out) down. Here the
// panic becomes ErrCorrupt.
func checkTables(dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		return err
	}
	for _, p := range paths {
		if err := checkTable(p); err != nil {
			return fmt.Errorf("%w (table %s: %v)", ErrCorrupt, filepath.Base(p), err)
		}
	}
	return nil
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
