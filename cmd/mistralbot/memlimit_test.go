package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLimit writes content to a temporary file and returns its path.
func writeLimit(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCgroupMemoryLimit(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent")
	cases := []struct {
		name    string
		paths   []string
		want    int64
		ok, err bool
	}{
		{"v2 limit", []string{writeLimit(t, "memory.max", "536870912\n")}, 536870912, true, false},
		{"v2 none", []string{writeLimit(t, "memory.max", "max\n"), writeLimit(t, "v1", "1048576\n")}, 0, false, false},
		{"v1 after a missing v2", []string{missing, writeLimit(t, "v1", "1073741824\n")}, 1073741824, true, false},
		{"v1 none", []string{missing, writeLimit(t, "v1", "9223372036854771712\n")}, 0, false, false},
		{"no cgroup files", []string{missing}, 0, false, false},
		{"garbage", []string{writeLimit(t, "memory.max", "lots\n")}, 0, false, true},
	}
	for _, c := range cases {
		got, _, ok, err := cgroupMemoryLimit(c.paths...)
		if got != c.want || ok != c.ok || (err != nil) != c.err {
			t.Errorf("%s: got %d ok=%v err=%v, want %d ok=%v err=%v", c.name, got, ok, err, c.want, c.ok, c.err)
		}
	}
}

func TestDefaultMemoryLimit(t *testing.T) {
	limit := writeLimit(t, "memory.max", "1000000000\n")
	noEnv := func(string) (string, bool) { return "", false }
	var set []int64
	setter := func(n int64) int64 { set = append(set, n); return 0 }
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	if got := defaultMemoryLimit(noEnv, setter, log, limit); got != 900_000_000 || len(set) != 1 || set[0] != 900_000_000 {
		t.Errorf("with a 1 GB container: returned %d, set %v, want 900000000 once", got, set)
	}
	if n := strings.Count(logs.String(), "memory limit from the container"); n != 1 {
		t.Errorf("logged the limit %d times, want once: %s", n, logs.String())
	}

	set = nil
	operator := func(k string) (string, bool) { return "200MiB", k == "GOMEMLIMIT" }
	if got := defaultMemoryLimit(operator, setter, log, limit); got != 0 || len(set) != 0 {
		t.Errorf("with GOMEMLIMIT set: returned %d, set %v, want nothing set", got, set)
	}
	if got := defaultMemoryLimit(noEnv, setter, log, writeLimit(t, "m", "max")); got != 0 || len(set) != 0 {
		t.Errorf("without a container limit: returned %d, set %v, want nothing set", got, set)
	}
	logs.Reset()
	if got := defaultMemoryLimit(noEnv, setter, log, writeLimit(t, "m", "x")); got != 0 || len(set) != 0 || !strings.Contains(logs.String(), "cannot read") {
		t.Errorf("unreadable limit: returned %d, set %v, log %q, want nothing set and a warning", got, set, logs.String())
	}
}
