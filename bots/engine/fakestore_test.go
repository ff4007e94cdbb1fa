package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/llm"
)

// fakeStore is the minimal in-package Store for unit tests (package bots
// cannot import bots/store: it imports bots). End-to-end tests in
// package bots_test use store.Memory.
type fakeStore struct {
	mu       sync.Mutex
	settings map[string]bots.ChannelSettings
	reads    int
	err      error
}

func newFakeStore() *fakeStore { return &fakeStore{settings: map[string]bots.ChannelSettings{}} }

func (f *fakeStore) Settings(_ context.Context, ch string) (bots.ChannelSettings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.settings[ch], f.err
}

func (f *fakeStore) UpdateSettings(_ context.Context, ch string, s bots.ChannelSettings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Like the real stores: a pointer to a zero value clears the field.
	m := f.settings[ch].Merge(s)
	if m.Language != nil && *m.Language == "" {
		m.Language = nil
	}
	if m.SystemPrompt != nil && *m.SystemPrompt == "" {
		m.SystemPrompt = nil
	}
	f.settings[ch] = m
	return nil
}

func (f *fakeStore) AddUsage(context.Context, bots.UsageRecord) error { return nil }
func (f *fakeStore) Usage(context.Context, bots.UsageScope, string, bots.Period) (bots.UsageTotals, error) {
	return bots.UsageTotals{}, nil
}
func (f *fakeStore) Claim(context.Context, string, time.Duration) (bool, error) { return true, nil }
func (f *fakeStore) Take(_ context.Context, _ string, _ int, w time.Duration, now time.Time) (bool, time.Time, error) {
	return true, now.Truncate(w).Add(w), nil
}
func (f *fakeStore) Lease(context.Context, string, string, time.Duration) (bool, error) {
	return true, nil
}
func (f *fakeStore) Finish(context.Context, string, string) error           { return nil }
func (f *fakeStore) Journal(context.Context, bots.JournalEntry) error       { return nil }
func (f *fakeStore) Unjournal(context.Context, string) error                { return nil }
func (f *fakeStore) Journaled(context.Context) ([]bots.JournalEntry, error) { return nil, nil }
func (f *fakeStore) Ping(context.Context) error                             { return nil }
func (f *fakeStore) Close() error                                           { return nil }

// nopLLM satisfies Completer for tests that never reach the model; its
// token arithmetic is the llm client's (uncalibrated), which the prompt
// tests' figures are written for.
type nopLLM struct{}

var _ bots.Tokens = nopLLM{}

func (nopLLM) Stream(context.Context, bots.ModelRequest) (bots.TokenStream, error) {
	return nil, &bots.ModelError{Code: bots.CodeInternal, Err: errors.New("not used")}
}

func (nopLLM) EstimateTokens(s string) int            { return llm.EstimateTokens(s) }
func (nopLLM) MessageOverhead() int                   { return llm.MessageOverhead }
func (nopLLM) Ratio() float64                         { return 1 }
func (nopLLM) ImageTokens(model string, w, h int) int { return llm.ImageTokens(model, w, h) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func testEngine(tb testing.TB, opts Options) *Engine {
	tb.Helper()
	if opts.LLM == nil {
		opts.LLM = nopLLM{}
	}
	if opts.Store == nil {
		opts.Store = newFakeStore()
	}
	// The options config always sets (this package's own tests cannot
	// import enginetest, which imports it).
	if opts.MaxConcurrency == 0 {
		opts.MaxConcurrency = 2
	}
	if opts.MaxTokens == 0 {
		opts.MaxTokens = 1024
	}
	if opts.MaxPromptChars == 0 {
		opts.MaxPromptChars = 4000
	}
	e, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}
