package winpipe

import (
	"errors"
	"strings"
	"testing"
)

func TestRequestRoundTrip(t *testing.T) {
	for _, r := range []Request{
		{Domain: "CORP", User: "alice", SID: "S-1-5-21-1-2-3-1001"},
		{User: "bob"},
		{Domain: "MACHINE", User: "Zoë Ünïcode"},
	} {
		b, err := EncodeRequest(r)
		if err != nil {
			t.Fatalf("EncodeRequest(%+v): %v", r, err)
		}
		got, err := DecodeRequest(b)
		if err != nil || got != r {
			t.Errorf("round trip of %+v: %+v, %v (line %q)", r, got, err, b)
		}
	}
	b, _ := EncodeRequest(Request{Domain: "CORP", User: "alice", SID: "S-1-5-18"})
	if want := "v1\tprepare\tCORP\talice\tS-1-5-18\n"; string(b) != want {
		t.Errorf("wire form %q, want %q (roamfsnp.dll writes this by hand)", b, want)
	}
}

func TestRequestRefused(t *testing.T) {
	for _, r := range []Request{{}, {User: "a\tb"}, {User: "a", Domain: "x\ny"}, {User: strings.Repeat("u", MaxLine)}} {
		if _, err := EncodeRequest(r); !errors.Is(err, ErrProtocol) {
			t.Errorf("EncodeRequest(%q): %v, want ErrProtocol", r.Account(), err)
		}
	}
	for _, line := range []string{
		"", "v1\tprepare\tD\tu\n\n", "v2\tprepare\tD\tu\tS\n", "v1\tmount\tD\tu\tS\n",
		"v1\tprepare\tD\t\tS\n", "v1\tprepare\tD\tu\n", "v1\tprepare\tD\tu\tS\textra\n",
		strings.Repeat("x", MaxLine+1),
	} {
		if r, err := DecodeRequest([]byte(line)); !errors.Is(err, ErrProtocol) {
			t.Errorf("DecodeRequest(%q) = %+v, %v; want ErrProtocol", clip(line), r, err)
		}
	}
}

func TestAnswerRoundTrip(t *testing.T) {
	for _, a := range []Answer{
		{Status: Ready}, {Status: Later, Text: "still downloading"}, {Status: Skip, Text: "no roaming path"},
		{Status: Failed, Text: `\\fs1\profiles$\alice: access denied`},
	} {
		b, err := EncodeAnswer(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeAnswer(b)
		if err != nil || got != a {
			t.Errorf("round trip of %+v: %+v, %v", a, got, err)
		}
	}
	b, _ := EncodeAnswer(Answer{Status: Failed, Text: "line one\nline two\t" + strings.Repeat("é", MaxLine)})
	got, err := DecodeAnswer(b)
	if err != nil || got.Status != Failed || strings.ContainsAny(got.Text, "\n\t") || len(b) > MaxLine {
		t.Errorf("a long multi-line error text: %q (%d bytes), %v", clip(got.Text), len(b), err)
	}
	if _, err := EncodeAnswer(Answer{Status: "maybe"}); !errors.Is(err, ErrProtocol) {
		t.Errorf("unknown status: %v", err)
	}
	for _, line := range []string{"", "ok\n", "readyish\n", "ready\nready\n"} {
		if _, err := DecodeAnswer([]byte(line)); !errors.Is(err, ErrProtocol) {
			t.Errorf("DecodeAnswer(%q): %v, want ErrProtocol", line, err)
		}
	}
}
