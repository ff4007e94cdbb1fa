package summary

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Digest is a channel's daily digest schedule: a summary of the last day
// posted at a wall-clock time of a time zone ("daily 09:00 Europe/Paris").
type Digest struct {
	Hour, Minute int
	Zone         *time.Location
}

// DigestOff is the stored value that turns a configured digest off.
const DigestOff = "off"

// ParseDigest reads "daily HH:MM [Zone]" (the zone an IANA name, UTC when
// left out). It returns ok false for "off" and "".
func ParseDigest(s string) (d Digest, ok bool, err error) {
	f := strings.Fields(s)
	if len(f) == 0 || (len(f) == 1 && strings.EqualFold(f[0], DigestOff)) {
		return Digest{}, false, nil
	}
	if !strings.EqualFold(f[0], "daily") || len(f) < 2 || len(f) > 3 {
		return Digest{}, false, fmt.Errorf("want \"daily HH:MM Zone\" or \"off\", got %q", s)
	}
	hh, mm, found := strings.Cut(f[1], ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !found || err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(mm) != 2 {
		return Digest{}, false, fmt.Errorf("time %q: want HH:MM, 00:00 to 23:59", f[1])
	}
	d = Digest{Hour: h, Minute: m, Zone: time.UTC}
	if len(f) == 3 {
		loc, err := time.LoadLocation(f[2])
		if err != nil || f[2] == "Local" {
			return Digest{}, false, fmt.Errorf("time zone %q: want an IANA name like Europe/Paris", f[2])
		}
		d.Zone = loc
	}
	return d, true, nil
}

// String renders d as ParseDigest reads it.
func (d Digest) String() string {
	return fmt.Sprintf("daily %02d:%02d %s", d.Hour, d.Minute, d.Zone)
}

// Clock is d's time of day, "09:00".
func (d Digest) Clock() string { return fmt.Sprintf("%02d:%02d", d.Hour, d.Minute) }

// at is the digest's time on the day of t in d's zone. On the day a
// DST change skips the time (02:30 when clocks go from 02:00 to 03:00),
// time.Date moves it forward by the gap, so the digest still comes once.
func (d Digest) at(t time.Time) time.Time {
	t = t.In(d.Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), d.Hour, d.Minute, 0, 0, d.Zone)
}

// Period is one digest: the messages from Start (inclusive) to End
// (exclusive), due at End. Key names it for the once-only claim: the
// local date of End.
type Period struct {
	Start, End time.Time
	Key        string
}

// Last returns the latest period due at or before now: its End is the
// last scheduled time not after now, its Start the one before (23, 24 or
// 25 hours earlier across DST changes).
func (d Digest) Last(now time.Time) Period {
	end := d.at(now)
	if end.After(now) {
		end = d.at(now.In(d.Zone).AddDate(0, 0, -1))
	}
	local := end.In(d.Zone)
	start := d.at(time.Date(local.Year(), local.Month(), local.Day()-1, 12, 0, 0, 0, d.Zone))
	return Period{Start: start, End: end, Key: local.Format("2006-01-02")}
}

// Next returns the first scheduled time after now.
func (d Digest) Next(now time.Time) time.Time {
	t := d.at(now)
	for !t.After(now) {
		local := t.In(d.Zone)
		t = d.at(time.Date(local.Year(), local.Month(), local.Day()+1, 12, 0, 0, 0, d.Zone))
	}
	return t
}
