package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procStat is one reading of a process's CPU time and memory.
type procStat struct {
	cpu   time.Duration // user + system, all threads
	rssKB int64         // VmRSS
	hwmKB int64         // VmHWM, the peak RSS so far
}

// readProc reads /proc/<pid>/stat and /proc/<pid>/status.
func readProc(pid int) (procStat, error) {
	var st procStat
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	// Fields after the command name (which may hold spaces), from field 3.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return st, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return st, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return st, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	st.cpu = time.Duration(utime+stime) * time.Second / clockTicks
	status, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	defer status.Close()
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			st.rssKB = kb
		case "VmHWM":
			st.hwmKB = kb
		}
	}
	return st, sc.Err()
}

// sampler reads a process's RSS periodically and keeps the peak, and
// the CPU time of that process and of this one at each reading (the
// -timeline series).
type sampler struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	peak  int64
	cpu   []cpuSample
}

func startSampler(pid int, every time.Duration) *sampler {
	s := &sampler{stopc: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if st, err := readProc(pid); err == nil {
				own, _ := readProc(os.Getpid())
				s.mu.Lock()
				s.peak = max(s.peak, st.rssKB)
				s.cpu = append(s.cpu, cpuSample{at: time.Now(), bot: st.cpu, own: own.cpu})
				s.mu.Unlock()
			}
			select {
			case <-t.C:
			case <-s.stopc:
				return
			}
		}
	}()
	return s
}

// stop ends sampling and returns the peak RSS seen, in kB, and the CPU
// readings.
func (s *sampler) stop() (int64, []cpuSample) {
	close(s.stopc)
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak, s.cpu
}
