package bots_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"mistralbot/bots"
)

// classified is an error an adapter classified.
type classified struct{ class bots.FailureClass }

func (e classified) Error() string             { return "fault: " + e.class.String() }
func (e classified) Class() bots.FailureClass  { return e.class }
func (e classified) RetryAfter() time.Duration { return 0 }

// asksToWait is a bare RetryAfterError (an unclassified 429).
type asksToWait struct{}

func (asksToWait) Error() string             { return "rate limited" }
func (asksToWait) RetryAfter() time.Duration { return time.Second }

func TestClassOf(t *testing.T) {
	cases := []struct {
		err  error
		want bots.FailureClass
	}{
		{errors.New("unclassified"), bots.Permanent},
		{asksToWait{}, bots.Transient},
		{fmt.Errorf("wrapped: %w", classified{class: bots.Uncertain}), bots.Uncertain},
		{context.Canceled, bots.Permanent},
		{fmt.Errorf("post: %w", context.DeadlineExceeded), bots.Permanent},
	}
	for _, c := range cases {
		if got := bots.ClassOf(c.err); got != c.want {
			t.Errorf("ClassOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
