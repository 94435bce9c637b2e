// Package rsrc is the builder of the generated files that carry roamfs'
// event messages into roamfs.exe: the COFF objects (.syso) the Go linker
// links into the Windows build of cmd/roamfs, and the Message Compiler source
// beside them.
// It is kept apart from winevent so roamfs itself never links winres.
package rsrc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tc-hib/winres"

	"roamfs/event"
	"roamfs/winevent"
)

// The message table is resource 1 of type RT_MESSAGETABLE in US English,
// where FormatMessage's language fallback finds it on any Windows.
const (
	messageTableID = 1
	langEnUS       = 0x0409
)

// archs are the Windows targets cmd/roamfs is built for.
var archs = []winres.Arch{winres.ArchAMD64, winres.ArchARM64}

// ObjectPath is where the object for arch goes, relative to the module root;
// the _windows_<arch> suffix is what makes `go build` link it for that target only.
func ObjectPath(arch winres.Arch) string {
	return "cmd/roamfs/rsrc_windows_" + string(arch) + ".syso"
}

// MCPath is the Message Compiler source, relative to the module root.
const MCPath = "winevent/roamfs.mc"

// Events is the event table, event.All, as winevent takes it.
func Events() ([]winevent.Event, error) {
	events := make([]winevent.Event, 0, len(event.All))
	for _, e := range event.All {
		if e.ID < 0 || int64(e.ID) > 0xFFFFFFFF {
			return nil, fmt.Errorf("event %d: not a Windows event id", e.ID)
		}
		events = append(events, winevent.Event{ID: uint32(e.ID), Text: e.Text})
	}
	return events, nil
}

// MessageTable is the encoded RT_MESSAGETABLE resource of the event table.
func MessageTable() ([]byte, error) {
	events, err := Events()
	if err != nil {
		return nil, err
	}
	return winevent.EncodeMessageTable(winevent.Messages(events))
}

// Object is the COFF object holding the message table for arch. It depends
// on the table only (winres writes no timestamp), so generating twice gives
// the same bytes and a test can compare it with the committed file.
func Object(arch winres.Arch) ([]byte, error) {
	table, err := MessageTable()
	if err != nil {
		return nil, err
	}
	var rs winres.ResourceSet
	if err := rs.Set(winres.RT_MESSAGETABLE, winres.ID(messageTableID), langEnUS, table); err != nil {
		return nil, fmt.Errorf("resource set: %w", err)
	}
	var buf bytes.Buffer
	if err := rs.WriteObject(&buf, arch); err != nil {
		return nil, fmt.Errorf("write %s object: %w", arch, err)
	}
	return buf.Bytes(), nil
}

// Files is every generated file by its path relative to the module root.
func Files() (map[string][]byte, error) {
	files := make(map[string][]byte)
	for _, arch := range archs {
		obj, err := Object(arch)
		if err != nil {
			return nil, err
		}
		files[ObjectPath(arch)] = obj
	}
	events, err := Events()
	if err != nil {
		return nil, err
	}
	files[MCPath] = winevent.MCSource(events)
	return files, nil
}

// Write generates every file under the module root, rewriting only those
// whose content changed.
func Write(root string) error {
	files, err := Files()
	if err != nil {
		return err
	}
	for rel, data := range files {
		path := filepath.Join(root, filepath.FromSlash(rel))
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", rel, err)
		}
	}
	return nil
}
