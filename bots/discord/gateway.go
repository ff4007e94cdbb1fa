package discord

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	discordgo "github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"mistralbot/internal/retry"
	"mistralbot/internal/wait"
)

// connTracker remembers the gateway's current TCP connection so that a
// connect can be bounded in time and aborted: discordgo's Open reads
// without deadlines.
type connTracker struct {
	mu   sync.Mutex
	conn net.Conn
	// sessions counts READY and RESUMED dispatches; up is when the last
	// one came (Unix nanoseconds).
	sessions atomic.Int64
	up       atomic.Int64
}

// upSince returns when the last session became ready.
func (c *connTracker) upSince() time.Time { return time.Unix(0, c.up.Load()) }

// dialer returns a websocket dialer whose connections carry a deadline of
// timeout until clear is called (after Open returned).
func (c *connTracker) dialer(timeout time.Duration) *websocket.Dialer {
	nd := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return c.dialerVia(timeout, nd.DialContext)
}

// dialerVia is dialer over dial (tests connect in memory).
func (c *connTracker) dialerVia(timeout time.Duration, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *websocket.Dialer {
	return &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: timeout,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			_ = conn.SetDeadline(time.Now().Add(timeout))
			c.mu.Lock()
			c.conn = conn
			c.mu.Unlock()
			return conn, nil
		},
	}
}

// clear lifts the connect deadline of the current connection.
func (c *connTracker) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		_ = c.conn.SetDeadline(time.Time{})
	}
}

// abort closes the current connection, ending a connect in progress.
func (c *connTracker) abort() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		_ = c.conn.Close()
	}
}

// open runs one discordgo Open, aborted when ctx ends.
func (a *Adapter) open(ctx context.Context) error {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			a.conn.abort()
		case <-done:
		}
	}()
	err := a.s.Open()
	close(done)
	wg.Wait()
	if err == nil {
		a.conn.clear()
	}
	return err
}

// stableAfter is how long a session must last after READY (or RESUMED)
// for its loss to count as a normal event (Discord asks for reconnects now
// and then) rather than a flap: sessions that keep dropping at once are
// retried with a growing backoff, so a flapping gateway cannot make the
// bot IDENTIFY in a loop (Discord allows 1,000 a day, then ends every session
// and resets the token: https://discord.com/developers/docs/events/gateway#identifying).
const stableAfter = 30 * time.Second

// connect opens the gateway and keeps it open until ctx ends or Discord
// refuses the bot for good. discordgo reports every lost connection as a
// Disconnect event (its own reconnect loop is off); connect then reopens,
// which resumes the session. It never gives up on a gateway that is merely
// unreachable: failed connects are retried forever with capped
// exponential backoff (Ready is false meanwhile), and the streak of
// failures ends with the next READY or RESUMED, so a later outage starts
// again from ReconnectDelay. Only the close codes Discord documents as not
// to be retried end it (fatalClose).
func (a *Adapter) connect(ctx context.Context) error {
	// failures: connects in a row that did not reach READY/RESUMED.
	// flaps: sessions in a row lost within stableAfter of their READY.
	failures, flaps := 0, 0
	var last error
	// A quarter of jitter keeps shards and replicas that lost the gateway
	// together from reconnecting in step.
	backoff := retry.Backoff{Base: a.opts.ReconnectDelay, Max: a.opts.MaxReconnectDelay, Jitter: 0.25}
	for {
		if n := failures + flaps; n > 0 {
			d := backoff.Delay(n-1, 0)
			logf := a.log.Warn
			if failures >= a.opts.MaxReconnects {
				logf = a.log.Error // an outage an operator should hear of
			}
			logf("discord: gateway connection failed; retrying", "err", last, "failures", failures, "flaps", flaps, "in", d)
			if wait.Sleep(ctx, d) != nil {
				return nil
			}
		}
		sessions := a.conn.sessions.Load()
		err := a.open(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			if fatal := fatalClose(err); fatal != nil {
				a.log.Error("discord: gateway refused the bot", "err", fatal)
				return fatal
			}
			failures++
			last = err
			continue
		}
		if err == nil {
			a.log.Info("discord: gateway connected", "shard", a.opts.ShardID, "shards", a.opts.ShardCount)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.disconnects:
		}
		if a.conn.sessions.Load() == sessions {
			failures++
			last = errors.New("connection lost before READY or RESUMED")
			continue
		}
		failures = 0
		if time.Since(a.conn.upSince()) < stableAfter {
			flaps++
			last = errors.New("session lost soon after READY or RESUMED")
		} else {
			flaps = 0
			a.log.Warn("discord: gateway connection lost; resuming")
		}
	}
}

// fatalClose returns the operator-facing error for gateway close codes
// that no reconnect can fix, nil otherwise: those Discord marks
// "Reconnect: false" (4004, 4010-4014:
// https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
// Every other code, and a connection lost without one, is retried.
func fatalClose(err error) error {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return nil
	}
	switch ce.Code {
	case 4004:
		return fmt.Errorf("discord: gateway closed with 4004 (authentication failed): the bot token is invalid; "+
			"reset the token in Discord Developer Portal > your app > Bot and set DISCORD_BOT_TOKEN (discord.token): %w", err)
	case 4014:
		return fmt.Errorf("discord: gateway closed with 4014 (disallowed intents): the bot needs the message content intent; "+
			"enable MESSAGE CONTENT INTENT in Developer Portal > your app > Bot > Privileged Gateway Intents: %w", err)
	case 4013:
		return fmt.Errorf("discord: gateway closed with 4013 (invalid intents): %w", err)
	case 4010, 4011:
		return fmt.Errorf("discord: gateway closed with %d (invalid shard / sharding required): "+
			"set discord.shard_id and discord.shard_count (more shards for bots in over 2,500 guilds): %w", ce.Code, err)
	case 4012:
		return fmt.Errorf("discord: gateway closed with 4012 (invalid API version): %w", err)
	}
	return nil
}

// gatewayEvent is one dispatch handed to a worker.
type gatewayEvent struct {
	t   string
	raw []byte
}

// onEvent receives every dispatch, on discordgo's reading goroutine
// (SyncEvents), and hands it over to a worker without parsing it: message
// events go to the lane of their channel (keeping a channel's events in
// order), interactions to their own pool (they must be answered in 3 s).
// When the lanes are full it blocks the reader: Discord then buffers.
func (a *Adapter) onEvent(_ *discordgo.Session, e *discordgo.Event) {
	if e == nil || e.Operation != 0 {
		return
	}
	a.opts.Hooks.Event(e.Type)
	var q chan gatewayEvent
	switch e.Type {
	case "READY":
		a.onReady(e.RawData)
		return
	case "RESUMED":
		a.sessionUp()
		return
	case "THREAD_DELETE", "CHANNEL_DELETE", "THREAD_UPDATE", "CHANNEL_UPDATE":
		a.channels.forget(channelIDOf(e.RawData))
		return
	case "INTERACTION_CREATE":
		q = a.inters
	case "MESSAGE_CREATE", "MESSAGE_REACTION_ADD":
		q = a.lanes[laneOf(channelIDOf(e.RawData), len(a.lanes))]
	default:
		return
	}
	select {
	case q <- gatewayEvent{t: e.Type, raw: e.RawData}:
	case <-a.stop:
		a.log.Warn("discord: shutting down; event not handled", "type", e.Type)
	}
}

func laneOf(channel string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(channel))
	return int(h.Sum32() % uint32(n))
}

// worker handles events until Run stops, then what is left in its queue.
func (a *Adapter) worker(ctx context.Context, q chan gatewayEvent) {
	defer a.wg.Done()
	for {
		select {
		case ev := <-q:
			a.handle(ctx, ev)
		case <-a.stop:
			for {
				select {
				case ev := <-q:
					a.handle(ctx, ev)
				default:
					return
				}
			}
		}
	}
}

// handle runs one event with its own deadline, never letting a malformed
// payload take the process down.
func (a *Adapter) handle(ctx context.Context, ev gatewayEvent) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("discord: event handler panicked; event dropped", "type", ev.t, "panic", fmt.Sprint(r))
		}
	}()
	switch ev.t {
	case "MESSAGE_CREATE":
		a.onMessage(ctx, ev.raw)
	case "MESSAGE_REACTION_ADD":
		a.onReaction(ctx, ev.raw)
	case "INTERACTION_CREATE":
		a.onGatewayInteraction(ctx, ev.raw)
	}
}

// sessionUp records a session ready to serve (READY or RESUMED): the
// adapter is ready, and connect's failure streak ends.
func (a *Adapter) sessionUp() {
	a.conn.up.Store(time.Now().UnixNano())
	a.conn.sessions.Add(1)
	a.ready.Store(true)
}
