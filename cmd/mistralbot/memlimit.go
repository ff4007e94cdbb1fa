package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Where the container's memory limit is read. cgroup v2 (unified) writes
// "max" for none (https://docs.kernel.org/admin-guide/cgroup-v2.html,
// memory.max); v1 writes a huge number near 2^63 for none
// (https://docs.kernel.org/admin-guide/cgroup-v1/memory.html).
const (
	cgroupV2MemoryMax = "/sys/fs/cgroup/memory.max"
	cgroupV1MemoryMax = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
)

// memoryLimitRatio is the share of the container's limit given to the Go
// runtime as its soft limit: the rest is left for what the runtime does not
// count but the cgroup does (bbolt's memory-mapped file, the page cache of
// its writes) so that the GC works harder before the kernel's OOM killer
// ends the process.
const memoryLimitRatio = 0.9

// cgroupUnlimited: a v1 limit at or above this is "no limit" (the kernel
// writes PAGE_COUNTER_MAX pages, 9223372036854771712 with 4 KiB pages).
const cgroupUnlimited = int64(1) << 62

// cgroupMemoryLimit reads the first of paths that exists and returns its
// limit in bytes, and the file it came from; ok is false when no file
// exists or the limit is none. A file that exists but cannot be parsed is
// an error (said once in the log, then the runtime's default stays).
func cgroupMemoryLimit(paths ...string) (limit int64, from string, ok bool, err error) {
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, p, false, err
		}
		s := strings.TrimSpace(string(data))
		if s == "max" {
			return 0, p, false, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, p, false, err
		}
		if n <= 0 || n >= cgroupUnlimited {
			return 0, p, false, nil
		}
		return n, p, true, nil
	}
	return 0, "", false, nil
}

// defaultMemoryLimit gives the Go runtime a soft memory limit of
// memoryLimitRatio of the container's, unless GOMEMLIMIT is set (the
// runtime already read it: the operator's choice wins) or there is no
// limit. set is debug.SetMemoryLimit outside tests. It returns the limit
// set, 0 if none.
func defaultMemoryLimit(lookup func(string) (string, bool), set func(int64) int64, log *slog.Logger, paths ...string) int64 {
	if v, ok := lookup("GOMEMLIMIT"); ok && v != "" {
		return 0
	}
	limit, from, ok, err := cgroupMemoryLimit(paths...)
	if err != nil {
		log.Warn("cannot read the container's memory limit: GOMEMLIMIT left at the runtime's default", "file", from, "err", err)
		return 0
	}
	if !ok {
		return 0
	}
	soft := int64(float64(limit) * memoryLimitRatio)
	set(soft)
	log.Info("memory limit from the container", "file", from, "container_bytes", limit, "gomemlimit_bytes", soft, "ratio", memoryLimitRatio)
	return soft
}

// applyContainerMemoryLimit is defaultMemoryLimit on the real files and
// the process's own environment (the one the runtime read GOMEMLIMIT from).
func applyContainerMemoryLimit(log *slog.Logger) {
	defaultMemoryLimit(os.LookupEnv, debug.SetMemoryLimit, log, cgroupV2MemoryMax, cgroupV1MemoryMax)
}
