package leaktest

import (
	"testing"

	"go.uber.org/goleak"
)

// A goroutine that stays is reported; once it has gone, nothing is.
func TestFindReportsAGoroutineThatStays(t *testing.T) {
	before := goleak.IgnoreCurrent()
	stop := make(chan struct{})
	gone := make(chan struct{})
	go func() { <-stop; close(gone) }()
	if err := Find(before); err == nil {
		t.Fatal("a goroutine still blocked was not reported")
	}
	close(stop)
	<-gone
	if err := Find(before); err != nil {
		t.Fatalf("reported after it returned: %v", err)
	}
}
