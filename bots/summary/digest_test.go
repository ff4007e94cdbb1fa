package summary

import (
	"testing"
	"time"
)

func TestParseDigest(t *testing.T) {
	for _, tc := range []struct {
		in      string
		ok, bad bool
		want    string
	}{
		{in: "daily 09:00 Europe/Paris", ok: true, want: "daily 09:00 Europe/Paris"},
		{in: "DAILY 18:30", ok: true, want: "daily 18:30 UTC"},
		{in: "off"}, {in: ""},
		{in: "daily 9:00 Europe/Paris", ok: true, want: "daily 09:00 Europe/Paris"},
		{in: "daily 24:00", bad: true}, {in: "daily 09:5", bad: true}, {in: "weekly 09:00", bad: true},
		{in: "daily 09:00 Mars/Olympus", bad: true}, {in: "daily 09:00 Local", bad: true}, {in: "daily", bad: true},
	} {
		d, ok, err := ParseDigest(tc.in)
		switch {
		case tc.bad != (err != nil):
			t.Errorf("ParseDigest(%q) err = %v", tc.in, err)
		case ok != tc.ok || (ok && d.String() != tc.want):
			t.Errorf("ParseDigest(%q) = %v %v, want %q %v", tc.in, d, ok, tc.want, tc.ok)
		}
	}
}

func TestDigestPeriodsAcrossMidnightAndDST(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	d := Digest{Hour: 9, Minute: 0, Zone: paris}
	for _, tc := range []struct {
		now        string // Paris time
		start, end string
		hours      float64
	}{
		{"2026-12-01 23:59", "2026-11-30 09:00", "2026-12-01 09:00", 24},
		{"2026-12-02 00:01", "2026-11-30 09:00", "2026-12-01 09:00", 24}, // past midnight: still yesterday's
		{"2026-12-02 09:00", "2026-12-01 09:00", "2026-12-02 09:00", 24},
		{"2026-03-29 10:00", "2026-03-28 09:00", "2026-03-29 09:00", 23}, // spring forward
		{"2026-10-25 10:00", "2026-10-24 09:00", "2026-10-25 09:00", 25}, // fall back
	} {
		now, _ := time.ParseInLocation("2006-01-02 15:04", tc.now, paris)
		p := d.Last(now)
		if got := p.Start.In(paris).Format("2006-01-02 15:04"); got != tc.start {
			t.Errorf("%s: start %s, want %s", tc.now, got, tc.start)
		}
		if got := p.End.In(paris).Format("2006-01-02 15:04"); got != tc.end || p.Key != tc.end[:10] {
			t.Errorf("%s: end %s key %s, want %s", tc.now, got, p.Key, tc.end)
		}
		if h := p.End.Sub(p.Start).Hours(); h != tc.hours {
			t.Errorf("%s: period of %vh, want %v", tc.now, h, tc.hours)
		}
	}
	// 02:30 does not exist on 2026-03-29 in Paris: that day's digest comes
	// at 03:30, once.
	night := Digest{Hour: 2, Minute: 30, Zone: paris}
	before, _ := time.ParseInLocation("2006-01-02 15:04", "2026-03-29 01:00", paris)
	next := night.Next(before)
	if got := next.In(paris).Format("2006-01-02 15:04"); got != "2026-03-29 03:30" {
		t.Errorf("next after the gap: %s", got)
	}
	if again := night.Next(next); again.In(paris).Format("2006-01-02 15:04") != "2026-03-30 02:30" {
		t.Errorf("the one after: %s", again.In(paris))
	}
}
