package rsrc

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tc-hib/winres"

	"roamfs/winevent"
)

// moduleRoot is where the generated files live, from this package's directory.
const moduleRoot = "../.."

// The committed files must be what the event table makes now: a row added
// to event.All without `go generate` would leave Event Viewer without
// its text.
func TestCommittedFilesAreCurrent(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range files {
		got, err := os.ReadFile(filepath.Join(moduleRoot, filepath.FromSlash(rel)))
		switch {
		case err != nil:
			t.Errorf("%v: run `go generate ./cmd/roamfs` and commit the result", err)
		case !bytes.Equal(got, want):
			t.Errorf("%s is not what event.All makes now: run `go generate ./cmd/roamfs` and commit the result", rel)
		}
	}
}

func TestGenerationIsDeterministic(t *testing.T) {
	a, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for rel := range a {
		if !bytes.Equal(a[rel], b[rel]) {
			t.Errorf("%s differs between two runs", rel)
		}
	}
}

// Each object is a COFF object for its machine whose .rsrc section holds one
// resource, RT_MESSAGETABLE 1 in en-US, with every event's text; read here
// with debug/pe and a resource directory walk of its own, not with winres.
func TestObjectsHoldTheMessageTable(t *testing.T) {
	machines := map[winres.Arch]uint16{
		winres.ArchAMD64: pe.IMAGE_FILE_MACHINE_AMD64,
		winres.ArchARM64: pe.IMAGE_FILE_MACHINE_ARM64,
	}
	events, err := Events()
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range archs {
		obj, err := Object(arch)
		if err != nil {
			t.Fatal(err)
		}
		f, err := pe.NewFile(bytes.NewReader(obj))
		if err != nil {
			t.Fatalf("%s: not a COFF object: %v", arch, err)
		}
		if f.Machine != machines[arch] || f.TimeDateStamp != 0 {
			t.Errorf("%s: machine %#x, timestamp %d", arch, f.Machine, f.TimeDateStamp)
		}
		sec := f.Section(".rsrc")
		if sec == nil {
			t.Fatalf("%s: no .rsrc section", arch)
		}
		data, err := sec.Data()
		if err != nil {
			t.Fatal(err)
		}
		res, err := walkResources(data)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if len(res) != 1 {
			t.Errorf("%s: resources %v, want only the message table", arch, keys(res))
		}
		table, err := winevent.DecodeMessageTable(res[resKey{11, 1, 0x0409}])
		if err != nil {
			t.Fatalf("%s: message table: %v", arch, err)
		}
		for _, e := range events {
			got, err := table.Format(e.ID, "X")
			if want := e.Text + "\r\n\r\nX\r\n"; err != nil || got != want {
				t.Errorf("%s: event %d shows %q (%v), want %q", arch, e.ID, got, err, want)
			}
		}
	}
}

type resKey struct{ typ, id, lang uint32 }

func keys(m map[resKey][]byte) []resKey {
	var ks []resKey
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// walkResources reads the three-level resource directory (type, id,
// language) of a .rsrc section. In an object the data entries' addresses are
// offsets into the section: the linker relocates them into RVAs.
func walkResources(sec []byte) (map[resKey][]byte, error) {
	out := make(map[resKey][]byte)
	var walk func(off uint32, path []uint32) error
	walk = func(off uint32, path []uint32) error {
		if int(off)+16 > len(sec) {
			return fmt.Errorf("directory at %#x past the end", off)
		}
		n := uint32(binary.LittleEndian.Uint16(sec[off+12:])) + uint32(binary.LittleEndian.Uint16(sec[off+14:]))
		for i := range n {
			e := off + 16 + 8*i
			if int(e)+8 > len(sec) {
				return fmt.Errorf("entry at %#x past the end", e)
			}
			name, target := binary.LittleEndian.Uint32(sec[e:]), binary.LittleEndian.Uint32(sec[e+4:])
			if name&0x80000000 != 0 {
				return fmt.Errorf("named resource at %#x: the generator uses ids only", e)
			}
			p := append(append([]uint32{}, path...), name)
			if target&0x80000000 != 0 {
				if err := walk(target&0x7FFFFFFF, p); err != nil {
					return err
				}
				continue
			}
			if len(p) != 3 || int(target)+16 > len(sec) {
				return fmt.Errorf("data entry at depth %d, offset %#x", len(p), target)
			}
			addr, size := binary.LittleEndian.Uint32(sec[target:]), binary.LittleEndian.Uint32(sec[target+4:])
			if uint64(addr)+uint64(size) > uint64(len(sec)) {
				return fmt.Errorf("resource %v: data past the end", p)
			}
			out[resKey{p[0], p[1], p[2]}] = sec[addr : addr+size]
		}
		return nil
	}
	return out, walk(0, nil)
}
