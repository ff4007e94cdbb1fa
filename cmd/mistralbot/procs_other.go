//go:build !unix

package main

import "time"

// processCPUTime: not read on this system, so the processor count stays
// the runtime's default (controlProcs returns at once).
func processCPUTime() (time.Duration, bool) { return 0, false }
