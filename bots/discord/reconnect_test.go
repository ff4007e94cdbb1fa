package discord

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
)

// These tests run the adapter's reconnect loop against the fake gateway in
// a testing/synctest bubble: the websocket goes through an in-memory pipe
// (discordtest.DialContext), so hours of outage pass at once on the
// bubble's clock, and every delay is measured on it.

// idleEngine is an Engine that is never asked anything: these tests only
// connect.
type idleEngine struct{ calls atomic.Int32 }

func (e *idleEngine) Dispatch(context.Context, bots.Conversations, bots.Message) (bots.Disposition, error) {
	e.calls.Add(1)
	return bots.Ignored, nil
}
func (e *idleEngine) Command(context.Context, bots.Conversations, bots.Command) bots.Response {
	e.calls.Add(1)
	return bots.Response{}
}
func (e *idleEngine) Answer(context.Context, *bots.Ask, bots.Reply) error { e.calls.Add(1); return nil }
func (e *idleEngine) ClaimDelivery(context.Context, string) bool          { return true }
func (e *idleEngine) TranslateMessage(context.Context, bots.Conversations, bots.Message, string) error {
	e.calls.Add(1)
	return nil
}

// bubbleAdapter starts an adapter with the default reconnect tuning (1 s
// doubled up to 2 min) on dc, in memory; call it inside the bubble. stop
// ends Run and returns its error.
func bubbleAdapter(t *testing.T, dc *discordtest.Server) (a *Adapter, stop func() error) {
	t.Helper()
	a, err := New(Options{Token: dc.Options().Token, GatewayURL: dc.GatewayURL(), Engine: &idleEngine{}, Logger: quietLogger(),
		ShardCount: 1, AttachmentMaxBytes: 1, GlobalPerSecond: 50})
	if err != nil {
		t.Fatal(err)
	}
	a.s.Dialer = a.conn.dialerVia(a.opts.OpenTimeout, dc.DialContext)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return a, func() error {
		// discordgo's Close sends a close frame, then sleeps a second
		// holding the session's lock, while the reading goroutine, seeing
		// the gateway close, waits for that lock: waiting for a mutex is
		// not durably blocking, so the bubble's clock would stop there.
		// Cutting the connection first lets the reader close the session
		// alone; Run's own Close then has nothing to wait for.
		dc.SetOutage(true)
		time.Sleep(5 * time.Second)
		cancel()
		return <-done
	}
}

// waitReady advances the bubble's clock a second at a time until the
// adapter is ready, at most limit; it returns how long that took.
func waitReady(t *testing.T, a *Adapter, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for !a.Ready() {
		if time.Since(start) > limit {
			t.Fatalf("not ready %v after the gateway came back", limit)
		}
		time.Sleep(time.Second)
	}
	return time.Since(start)
}

// dialsSince returns the connection attempts made at or after from.
func dialsSince(dc *discordtest.Server, from time.Time) []time.Time {
	var out []time.Time
	for _, d := range dc.Dials() {
		if !d.Before(from) {
			out = append(out, d)
		}
	}
	return out
}

// An outage of an hour (the old loop gave up after ten attempts, about
// eight minutes) is retried with capped backoff while the adapter says it
// is not ready; when the gateway comes back the adapter is ready within
// the cap; and the next outage, even one that starts seconds after READY,
// is retried from the first delay again, not from the cap.
func TestGatewayOutageIsRetriedForeverAndTheStreakEndsWithReady(t *testing.T) {
	dc := discordtest.New(discordtest.Options{})
	defer dc.Close()
	synctest.Test(t, func(t *testing.T) {
		dc.SetOutage(true)
		a, stop := bubbleAdapter(t, dc)
		start := time.Now()
		time.Sleep(time.Hour)
		synctest.Wait()
		if a.Ready() {
			t.Fatal("ready during the outage")
		}
		dials := dialsSince(dc, start)
		// Delays 1, 2, 4, ... 64 s, then 120 s, each up to 25% shorter.
		if n := len(dials); n < 36 || n > 47 {
			t.Errorf("%d connection attempts in an hour of outage, want 36-47", n)
		}
		for i := 1; i < len(dials); i++ {
			if gap := dials[i].Sub(dials[i-1]); gap > 2*time.Minute || gap <= 0 {
				t.Fatalf("attempt %d came %v after the previous one (cap 2m)", i, gap)
			}
		}

		dc.SetOutage(false)
		if took := waitReady(t, a, 3*time.Minute); took > 2*time.Minute+time.Second {
			t.Errorf("ready %v after the outage ended, want within the 2m cap", took)
		}
		if n := len(dc.Identifies()); n != 1 {
			t.Errorf("%d IDENTIFYs, want 1", n)
		}

		// A second outage 10 s after READY: the streak of the first one
		// is over, so the retries start at 1 s again (each limit adds the
		// second discordgo's Close waits before it reports the loss).
		time.Sleep(10 * time.Second)
		second := time.Now()
		dc.SetOutage(true)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		d := dialsSince(dc, second)
		if len(d) < 4 {
			t.Fatalf("%d attempts in the first 30 s of the second outage, want at least 4 (1+2+4+8 s)", len(d))
		}
		for i, limit := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second} {
			if got := d[i].Sub(second); got > limit {
				t.Errorf("attempt %d of the second outage after %v, want within %v", i+1, got, limit)
			}
		}
		dc.SetOutage(false)
		waitReady(t, a, 3*time.Minute)

		// A session that lived past stableAfter and is closed normally is
		// resumed at once.
		time.Sleep(time.Minute)
		resumes := dc.Resumes()
		closed := time.Now()
		dc.Disconnect(4000, -1)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if d := dialsSince(dc, closed); len(d) != 1 || d[0].Sub(closed) > time.Second {
			t.Errorf("reconnects after a normal close at %v: %v, want one at once (after Close's second)", closed, d)
		}
		if !a.Ready() || dc.Resumes() != resumes+1 || len(dc.Identifies()) != 1 {
			t.Errorf("resumes %d -> %d, identifies %d: want the session resumed", resumes, dc.Resumes(), len(dc.Identifies()))
		}
		if err := stop(); err != nil {
			t.Errorf("Run = %v", err)
		}
	})
}

// Close codes Discord documents as "reconnect: true" are retried, for as
// long as they come (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
func TestRetriableCloseCodesAreRetriedForever(t *testing.T) {
	for _, code := range []int{4000, 4001, 4002, 4003, 4005, 4007, 4008, 4009} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			dc := discordtest.New(discordtest.Options{})
			defer dc.Close()
			synctest.Test(t, func(t *testing.T) {
				dc.CloseOnIdentify(code)
				a, stop := bubbleAdapter(t, dc)
				time.Sleep(30 * time.Minute)
				synctest.Wait()
				if n := len(dc.Identifies()); n < 20 {
					t.Errorf("%d IDENTIFYs in 30 minutes, want at least 20", n)
				}
				if a.Ready() {
					t.Error("ready while every IDENTIFY is refused")
				}
				dc.CloseOnIdentify(0)
				waitReady(t, a, 3*time.Minute)
				if err := stop(); err != nil {
					t.Errorf("Run = %v", err)
				}
			})
		})
	}
}

// Close codes Discord documents as "reconnect: false" end Run at the first
// one, with the fix in the error.
func TestFatalCloseCodesEndRunAtOnce(t *testing.T) {
	for _, code := range []int{4004, 4010, 4011, 4012, 4013, 4014} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			dc := discordtest.New(discordtest.Options{})
			defer dc.Close()
			synctest.Test(t, func(t *testing.T) {
				dc.CloseOnIdentify(code)
				_, stop := bubbleAdapter(t, dc)
				time.Sleep(time.Minute)
				synctest.Wait()
				err := stop()
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != code || !strings.Contains(err.Error(), strconv.Itoa(code)) {
					t.Errorf("Run = %v, want the close code %d", err, code)
				}
				if n := len(dc.Identifies()); n != 1 {
					t.Errorf("%d IDENTIFYs after a fatal close, want 1", n)
				}
			})
		})
	}
}
