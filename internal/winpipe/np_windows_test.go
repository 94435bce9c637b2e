package winpipe

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"roamfs/internal/wintest"
)

// The network provider DLL (winlogon/np/roamfsnp.c) driven the way
// Winlogon's mpnotify drives it: NPGetCaps, then NPLogonNotify with an
// MSV1_0_INTERACTIVE_LOGON. scripts/wine-test.sh builds it and names it in
// ROAMFS_NP_DLL.

type npDLL struct{ caps, logon *windows.LazyProc }

func loadNP(t *testing.T) npDLL {
	t.Helper()
	path := os.Getenv("ROAMFS_NP_DLL")
	if path == "" {
		t.Skip("ROAMFS_NP_DLL is not set (scripts/wine-test.sh builds roamfsnp.dll and sets it)")
	}
	if strings.HasPrefix(path, "/") { // a Unix path: Wine's Z: drive is /
		path = `Z:` + strings.ReplaceAll(path, "/", `\`)
	}
	dll := windows.NewLazyDLL(path)
	if err := dll.Load(); err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return npDLL{caps: dll.NewProc("NPGetCaps"), logon: dll.NewProc("NPLogonNotify")}
}

// interactiveLogon is MSV1_0_INTERACTIVE_LOGON.
type interactiveLogon struct {
	MessageType     uint32
	LogonDomainName windows.NTUnicodeString
	UserName        windows.NTUnicodeString
	Password        windows.NTUnicodeString
}

// logonNotify calls NPLogonNotify for DOMAIN\user and returns what it
// returned and how long it took.
func (d npDLL) logonNotify(t *testing.T, authType, domain, user string) (uint32, time.Duration) {
	t.Helper()
	us := func(s string) windows.NTUnicodeString {
		var u windows.NTUnicodeString
		if s != "" {
			p, _ := windows.UTF16PtrFromString(s)
			windows.RtlInitUnicodeString(&u, p)
		}
		return u
	}
	info := interactiveLogon{MessageType: 2, LogonDomainName: us(domain), UserName: us(user), Password: us("never read")}
	at, _ := windows.UTF16PtrFromString(authType)
	station, _ := windows.UTF16PtrFromString("WinSta0")
	var luid windows.LUID
	var junk uint16
	script := &junk // NPLogonNotify must set it to NULL
	start := time.Now()
	r, _, _ := d.logon.Call(uintptr(unsafe.Pointer(&luid)), uintptr(unsafe.Pointer(at)), uintptr(unsafe.Pointer(&info)),
		0, 0, uintptr(unsafe.Pointer(station)), 0, uintptr(unsafe.Pointer(&script)))
	took := time.Since(start)
	if script != nil {
		t.Errorf("NPLogonNotify left a logon script pointer %p", script)
	}
	return uint32(r), took
}

// setNPLogonTimeout sets the machine policy the DLL reads, for this test.
func setNPLogonTimeout(t *testing.T, seconds uint32) {
	t.Helper()
	wintest.RequireWine(t)
	k, existed, err := registry.CreateKey(registry.LOCAL_MACHINE, `Software\Policies\roamfs`, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.SetDWordValue("NPLogonTimeout", seconds); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, `Software\Policies\roamfs`, registry.ALL_ACCESS)
		if err == nil {
			k.DeleteValue("NPLogonTimeout")
			k.Close()
		}
		if !existed {
			registry.DeleteKey(registry.LOCAL_MACHINE, `Software\Policies\roamfs`)
		}
	})
}

func TestWinNPGetCaps(t *testing.T) {
	d := loadNP(t)
	for _, c := range []struct {
		index, want uint32
		what        string
	}{
		{0x1, 0x00050001, "WNNC_SPEC_VERSION: 5.1"},
		{0x2, 0xFFFF0000, "WNNC_NET_TYPE: a credential manager"},
		{0xC, 1, "WNNC_START: started"},
		{0x6, 0, "WNNC_CONNECTION: none"},
		{0xB, 0, "WNNC_ENUMERATION: none"},
	} {
		if r, _, _ := d.caps.Call(uintptr(c.index)); uint32(r) != c.want {
			t.Errorf("NPGetCaps(%#x) = %#x, want %s", c.index, uint32(r), c.what)
		}
	}
}

// The DLL asks the service on its pipe and returns once answered.
func TestWinNPLogonNotify(t *testing.T) {
	d := loadNP(t)
	setNPLogonTimeout(t, 10)
	var mu sync.Mutex
	var got []Request
	release := make(chan struct{})
	srv := &Server{
		Pipe: PipeName,
		Wait: func() time.Duration { return 2 * time.Second },
		Prepare: func(ctx context.Context, r Request) error {
			mu.Lock()
			got = append(got, r)
			mu.Unlock()
			if r.User == "slow" {
				<-release
			}
			return nil
		},
	}
	serve(t, srv)
	defer close(release)
	if r, took := d.logonNotify(t, "MSV1_0:Interactive", "WINE", "Zoë"); r != 0 || took > 5*time.Second {
		t.Errorf("NPLogonNotify = %d after %s, want WN_SUCCESS at once", r, took)
	}
	if r, _ := d.logonNotify(t, "Kerberos:Interactive", "CORP", "alice"); r != 0 {
		t.Errorf("NPLogonNotify (Kerberos) = %d", r)
	}
	// Another kind of logon (a service's, a batch job's) is not asked about.
	if r, _ := d.logonNotify(t, "MSV1_0:Lm20", "CORP", "svc"); r != 0 {
		t.Errorf("NPLogonNotify (Lm20) = %d", r)
	}
	// A preparation longer than the service's wait: the DLL returns when
	// the service answers "later".
	if r, took := d.logonNotify(t, "MSV1_0:Interactive", "CORP", "slow"); r != 0 || took < time.Second || took > 8*time.Second {
		t.Errorf("NPLogonNotify for a slow preparation = %d after %s, want WN_SUCCESS after the service's 2s", r, took)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []Request{{Domain: "WINE", User: "Zoë"}, {Domain: "CORP", User: "alice"}, {Domain: "CORP", User: "slow"}}
	if len(got) != len(want) {
		t.Fatalf("the service was asked for %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A service that takes the request and does not answer in time, and no
// service at all: the DLL gives up after NPLogonTimeout (0 here) plus its
// 5 s margin, and the logon goes on.
func TestWinNPLogonNotifyBounded(t *testing.T) {
	d := loadNP(t)
	setNPLogonTimeout(t, 0)
	asked := make(chan Request, 1)
	release := make(chan struct{})
	t.Run("silent service", func(t *testing.T) {
		srv := &Server{
			Pipe: PipeName,
			Wait: func() time.Duration { return time.Minute }, // longer than the DLL waits
			Prepare: func(ctx context.Context, r Request) error {
				asked <- r
				<-release
				return nil
			},
		}
		serve(t, srv)
		t.Cleanup(func() { close(release) })
		r, took := d.logonNotify(t, "MSV1_0:Interactive", "CORP", "alice")
		if r != 0 || took < 4*time.Second || took > 8*time.Second {
			t.Errorf("NPLogonNotify = %d after %s, want WN_SUCCESS after about 5s", r, took)
		}
		select {
		case <-asked:
		default:
			t.Error("the service was never asked")
		}
	})
	t.Run("no service", func(t *testing.T) {
		r, took := d.logonNotify(t, "MSV1_0:Interactive", "CORP", "alice")
		if r != 0 || took > 8*time.Second {
			t.Errorf("NPLogonNotify = %d after %s, want WN_SUCCESS within about 5s", r, took)
		}
	})
}
