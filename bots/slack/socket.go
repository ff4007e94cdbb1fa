package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"mistralbot/internal/retry"
	"mistralbot/internal/wait"
)

// Reconnect backoff bounds. slack-go's own backoff grows to five minutes;
// the adapter cancels a failing attempt and retries on its own schedule so
// that a Slack hiccup never keeps the bot away for long.
const (
	socketBackoffMin = 500 * time.Millisecond
	socketBackoffMax = 30 * time.Second
	ackTimeout       = 3 * time.Second
)

// socketRun is the state shared by the connection loop and the event
// consumer.
type socketRun struct {
	mu        sync.Mutex
	cancel    context.CancelFunc // of the current connection attempt
	connected bool               // since the last attempt started
	hint      time.Duration      // Slack's Retry-After on the last failure
}

func (s *socketRun) setCancel(c context.CancelFunc) {
	s.mu.Lock()
	s.cancel, s.connected = c, false
	s.mu.Unlock()
}

// abort cancels the current attempt; hint is the delay Slack asked for.
func (s *socketRun) abort(hint time.Duration) {
	s.mu.Lock()
	s.hint = hint
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
}

// takeHint returns and clears the delay Slack asked for.
func (s *socketRun) takeHint() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hint
	s.hint = 0
	return h
}

func (s *socketRun) markConnected() {
	s.mu.Lock()
	s.connected = true
	s.mu.Unlock()
}

func (s *socketRun) wasConnected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// runSocket keeps a Socket Mode connection open until ctx ends.
func (a *Adapter) runSocket(ctx context.Context) error {
	opts := []socketmode.Option{socketmode.OptionLog(logWriter{a})}
	if a.opts.PingTimeout > 0 {
		opts = append(opts, socketmode.OptionPingInterval(a.opts.PingTimeout))
	}
	client := socketmode.New(a.api, opts...)
	run := &socketRun{}
	var wg sync.WaitGroup
	consumeCtx, stopConsume := context.WithCancel(ctx)
	wg.Go(func() { a.consume(consumeCtx, client, run) })
	defer func() {
		stopConsume()
		wg.Wait()
		a.socketUp.Store(false)
	}()

	// failures: reconnects since the last connection that came up; the
	// backoff starts over after one that did.
	backoff := retry.Backoff{Base: socketBackoffMin, Max: socketBackoffMax, MaxAfter: socketBackoffMax}
	failures := 0
	for {
		attempt, cancel := context.WithCancel(ctx)
		run.setCancel(cancel)
		err := client.RunContext(attempt)
		cancel()
		a.socketUp.Store(false)
		if ctx.Err() != nil {
			a.log.InfoContext(ctx, "socket mode stopped")
			return nil
		}
		if fatalSocketError(err) {
			return fmt.Errorf("slack: socket mode refused slack.app_token (SLACK_APP_TOKEN): use an app-level token (xapp-...) with the connections:write scope, and enable Socket Mode for the app: %w", err)
		}
		if run.wasConnected() {
			failures = 0
		}
		// Honour a Retry-After from apps.connections.open, within the bound.
		delay := backoff.Delay(failures, run.takeHint())
		a.log.WarnContext(ctx, "socket mode connection lost; reconnecting", "err", err, "in", delay)
		if wait.Sleep(ctx, delay) != nil {
			return nil
		}
		failures++
	}
}

func fatalSocketError(err error) bool {
	if err == nil {
		return false
	}
	var sc slackgo.StatusCodeError
	if errors.As(err, &sc) && sc.Code == 404 {
		return true
	}
	switch err.Error() {
	case "invalid_auth", "account_inactive", "not_authed", "token_revoked", "not_allowed_token_type":
		return true
	}
	return false
}

// consume reads the socketmode client's events: envelopes are acked first
// and then handled on adapter-owned goroutines; connection events drive
// readiness and the bounded reconnect.
func (a *Adapter) consume(ctx context.Context, client *socketmode.Client, run *socketRun) {
	for {
		var evt socketmode.Event
		select {
		case <-ctx.Done():
			return
		case evt = <-client.Events:
		}
		switch evt.Type {
		case socketmode.EventTypeConnected:
			run.markConnected()
		case socketmode.EventTypeHello:
			a.socketUp.Store(true)
			a.log.InfoContext(ctx, "socket mode connected", "team", a.teamID, "bot_user", a.botUserID)
		case socketmode.EventTypeConnectionError:
			a.socketUp.Store(false)
			var hint time.Duration
			if ce, ok := evt.Data.(*slackgo.ConnectionErrorEvent); ok {
				var rl *slackgo.RateLimitedError
				if errors.As(ce.ErrorObj, &rl) {
					hint = rl.RetryAfter
				}
				a.log.WarnContext(ctx, "socket mode connection attempt failed", "attempt", ce.Attempt, "err", ce.ErrorObj)
			}
			run.abort(hint)
		case socketmode.EventTypeInvalidAuth:
			a.log.ErrorContext(ctx, "socket mode: slack refused the app-level token (slack.app_token)")
		case socketmode.EventTypeDisconnect:
			a.socketUp.Store(false)
			a.log.InfoContext(ctx, "slack asked to reconnect the socket")
		case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
			a.log.WarnContext(ctx, "socket mode error", "type", evt.Type, "data", fmt.Sprint(evt.Data))
		case socketmode.EventTypeErrorBadMessage:
			// slack-go could not parse it (an event type it does not know,
			// a payload shape it does not expect): ack it anyway so Slack
			// does not redeliver, and try our own parser.
			if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
				var req socketmode.Request
				if err := json.Unmarshal(bad.Message, &req); err != nil || req.EnvelopeID == "" {
					a.log.WarnContext(ctx, "unreadable socket mode frame dropped", "err", bad.Cause)
					continue
				}
				a.onEnvelope(ctx, client, &req)
			}
		case socketmode.EventTypeEventsAPI, socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
			if evt.Request != nil {
				a.onEnvelope(ctx, client, evt.Request)
			}
		}
	}
}

// onEnvelope acks one envelope, then hands its payload to the same
// handlers the HTTP endpoints use.
func (a *Adapter) onEnvelope(ctx context.Context, client *socketmode.Client, req *socketmode.Request) {
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	err := client.AckCtx(actx, req.EnvelopeID, nil)
	cancel()
	if err != nil {
		a.log.WarnContext(ctx, "cannot ack socket envelope", "envelope", req.EnvelopeID, "err", err)
	}
	var herr error
	switch req.Type {
	case socketmode.RequestTypeEventsAPI:
		if req.RetryAttempt > 0 {
			a.log.DebugContext(ctx, "event redelivered", "attempt", req.RetryAttempt, "reason", req.RetryReason)
		}
		herr = a.acceptEvents(req.Payload)
	case socketmode.RequestTypeSlashCommands:
		var fields map[string]any
		if herr = json.Unmarshal(req.Payload, &fields); herr == nil {
			herr = a.acceptCommand(formValues(fields))
		}
	case socketmode.RequestTypeInteractive:
		herr = a.acceptInteraction(req.Payload)
	default:
		a.log.InfoContext(ctx, "unknown socket envelope type; acked and ignored", "type", req.Type)
	}
	if herr != nil {
		a.log.WarnContext(ctx, "malformed socket payload dropped", "type", req.Type, "envelope", req.EnvelopeID, "err", herr)
	}
}

// logWriter sends slack-go's socketmode log lines to slog at debug level.
type logWriter struct{ a *Adapter }

func (l logWriter) Output(_ int, s string) error {
	l.a.log.Debug("socketmode: " + strings.TrimSpace(s))
	return nil
}
