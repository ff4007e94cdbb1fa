package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const askHelp = `fakeslack ask: mention the bot with a question, print the streamed answer.

Example:
  fakeslack ask -server http://fakeslack:8083 'How do I reverse a slice in Go?'

An answer is complete when one of its messages carries mistralbot's
feedback buttons (as in docker-compose.yml: the Stop button on, a Redis or
bbolt store).

Exit codes: 0 a complete answer, 1 an error notice (or feedback off), no
answer in -timeout, or the workspace unreachable, 2 bad usage.

Flags:
`

// pollEvery is how often ask reads the thread: the fake keeps no event
// stream for outsiders, and a tenth of a second shows the answer grow.
const pollEvery = 100 * time.Millisecond

// quietEnd is how long an answer without the feedback buttons (an error
// notice, or a bot with feedback off) must stay unchanged to be over.
const quietEnd = 3 * time.Second

// ask posts the question and follows the answer until it is complete.
func ask(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ask", askHelp, stdout, stderr)
	server := fs.String("server", "http://127.0.0.1:8083", "the fakeslack serve URL")
	channel := fs.String("channel", "C0GENERAL", "the channel to ask in")
	user := fs.String("user", "U0ALICE", "who asks (U0ALICE and U0BOB exist)")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	if err := parse(fs, args); err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if question == "" {
		fmt.Fprintln(stderr, "fakeslack ask: a question is required, e.g. fakeslack ask 'hello'")
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Minute}
	base := strings.TrimSuffix(*server, "/")
	resp, err := client.PostForm(base+"/dev/ask", url.Values{"text": {question}, "channel": {*channel}, "user": {*user}})
	if err != nil {
		return fmt.Errorf("ask %s: %w", base, err)
	}
	var posted askResult
	err = decode(resp, &posted)
	if err != nil {
		return fmt.Errorf("ask %s: %w", base, err)
	}
	fmt.Fprintf(stderr, "asked in %s (message %s); the answer:\n", posted.Channel, posted.TS)
	f := follower{out: stdout}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	lastChange := time.Now()
	for {
		replies, err := readThread(ctx, client, base, posted)
		if err != nil {
			return err
		}
		if f.show(replies) {
			lastChange = time.Now()
		}
		switch st := state(replies); {
		case st == answerComplete:
			f.end()
			fmt.Fprintf(stderr, "answer complete (%d message(s))\n", len(replies))
			return nil
		case st == answerEnded && time.Since(lastChange) >= quietEnd:
			f.end()
			return errors.New("the answer ended without mistralbot's feedback buttons: an error notice, or feedback off (slack.stop_button false, or a store without feedback)")
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			f.end()
			return fmt.Errorf("no complete answer within %s", *timeout)
		}
	}
}

func readThread(ctx context.Context, client *http.Client, base string, p askResult) ([]reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		base+"/dev/thread?"+url.Values{"channel": {p.Channel}, "ts": {p.TS}}.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the thread: %w", err)
	}
	var out []reply
	if err := decode(resp, &out); err != nil {
		return nil, fmt.Errorf("read the thread: %w", err)
	}
	return out, nil
}

// decode reads a control endpoint's JSON answer, or its error text.
func decode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, v)
}

// The states of an answer, seen from the thread.
type answerState int

const (
	answerPending  answerState = iota // nothing yet, or still written
	answerEnded                       // written, but not marked complete
	answerComplete                    // mistralbot's feedback buttons are on it
)

// state tells how far the answer in replies is.
func state(replies []reply) answerState {
	if len(replies) == 0 {
		return answerPending
	}
	complete := false
	for _, r := range replies {
		if r.Streaming || r.Writing {
			return answerPending
		}
		complete = complete || r.Complete
	}
	if complete {
		return answerComplete
	}
	return answerEnded
}

// follower prints an answer as it grows: the new end when the text only
// grew (tokens streamed), the whole text again when it changed otherwise.
type follower struct {
	out   io.Writer
	shown string
}

// show prints what changed in replies; it reports whether anything did.
func (f *follower) show(replies []reply) bool {
	var parts []string
	for _, r := range replies {
		parts = append(parts, r.Text)
	}
	text := strings.Join(parts, "\n")
	if text == f.shown {
		return false
	}
	if strings.HasPrefix(text, f.shown) {
		fmt.Fprint(f.out, text[len(f.shown):])
	} else {
		fmt.Fprint(f.out, "\n--- (edited)\n"+text)
	}
	f.shown = text
	return true
}

// end finishes the answer's last line.
func (f *follower) end() {
	if f.shown != "" && !strings.HasSuffix(f.shown, "\n") {
		fmt.Fprintln(f.out)
	}
}
