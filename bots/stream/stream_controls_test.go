package stream

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// controlFake is a fakeSink whose messages can carry controls: it records,
// per message, whether it shows them, and every live call.
type controlFake struct {
	*fakeSink
	mu        sync.Mutex
	live      map[string]bool
	liveCalls int
	// badLive counts live calls on a message that was not the last one.
	badLive int
}

var _ ControlSink = (*controlFake)(nil)

type liveFake struct{ c *controlFake }

func (c *controlFake) Live() Sink { return liveFake{c} }

func (c *controlFake) Post(ctx context.Context, text string) (string, error) {
	id, err := c.fakeSink.Post(ctx, text)
	if err == nil {
		c.set(id, false)
	}
	return id, err
}

func (c *controlFake) Edit(ctx context.Context, id, text string) error {
	err := c.fakeSink.Edit(ctx, id, text)
	if err == nil {
		c.set(id, false)
	}
	return err
}

func (l liveFake) Post(ctx context.Context, text string) (string, error) {
	id, err := l.c.fakeSink.Post(ctx, text)
	if err == nil {
		l.c.set(id, true)
	}
	return id, err
}

func (l liveFake) Edit(ctx context.Context, id, text string) error {
	err := l.c.fakeSink.Edit(ctx, id, text)
	if err == nil {
		l.c.set(id, true)
	}
	return err
}

func (c *controlFake) set(id string, live bool) {
	c.fakeSink.mu.Lock()
	last := len(c.order) > 0 && c.order[len(c.order)-1] == id
	c.fakeSink.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		c.live = map[string]bool{}
	}
	c.live[id] = live
	if live {
		c.liveCalls++
		if !last {
			c.badLive++
		}
	}
}

func (c *controlFake) liveIDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for id, l := range c.live {
		if l {
			out = append(out, id)
		}
	}
	return out
}

func TestStreamerControlsOnTheOpenMessageOnlyAndGoneAtTheEnd(t *testing.T) {
	for _, text := range []string{
		"A short answer.",
		strings.Repeat("word ", 120), // several parts at a limit of 100
	} {
		sink := &controlFake{fakeSink: newFakeSink(100)}
		s := NewStreamer(sink, StreamOptions{Limit: 100})
		firstThenStream(t, sink.fakeSink, s, text)
		if sink.liveCalls == 0 {
			t.Errorf("%d chars: the answer never showed its controls", len(text))
		}
		if sink.badLive != 0 {
			t.Errorf("%d chars: controls put %d times on a message that was not the open one", len(text), sink.badLive)
		}
		if ids := sink.liveIDs(); len(ids) != 0 {
			t.Errorf("%d chars: controls left after the final text on %v", len(text), ids)
		}
		if got := strings.Join(sink.texts(), ""); strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(text, " ", "") {
			t.Errorf("text delivered %q, want %q", got, text)
		}
	}
}
