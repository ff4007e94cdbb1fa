package discord

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	discordgo "github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// connTracker remembers the gateway's current TCP connection so that a
// connect can be bounded in time and aborted: discordgo's Open reads
// without deadlines.
type connTracker struct {
	mu   sync.Mutex
	conn net.Conn
}

// dialer returns a websocket dialer whose connections carry a deadline of
// timeout until clear is called (after Open returned).
func (c *connTracker) dialer(timeout time.Duration) *websocket.Dialer {
	nd := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: timeout,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := nd.DialContext(ctx, network, addr)
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

// stableAfter is how long a connection must last for its loss to count as
// a normal event (Discord asks for reconnects now and then) rather than a
// failure: a connection that keeps dropping at once is retried with
// backoff and, like failed connects, ends Run after MaxReconnects.
const stableAfter = 30 * time.Second

// connect opens the gateway and keeps it open until ctx ends. discordgo
// reports every lost connection as a Disconnect event (its own reconnect
// loop is off); connect then reopens, which resumes the session. Failed
// connects and connections lost within stableAfter are retried with capped
// exponential backoff, MaxReconnects times in a row; fatal close codes end
// it at once.
func (a *Adapter) connect(ctx context.Context) error {
	failures := 0
	var last error
	for {
		if failures > a.opts.MaxReconnects {
			return fmt.Errorf("discord: gateway unreachable after %d attempts: %w", failures, last)
		}
		if failures > 0 {
			d := backoff(a.opts.ReconnectDelay, a.opts.MaxReconnectDelay, failures)
			a.log.Warn("discord: gateway connection failed; retrying", "err", last, "attempt", failures, "in", d)
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
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
		opened := time.Now()
		select {
		case <-ctx.Done():
			return nil
		case <-a.disconnects:
		}
		if time.Since(opened) < stableAfter {
			failures++
			last = errors.New("connection lost soon after it opened")
		} else {
			failures = 0
			a.log.Warn("discord: gateway connection lost; resuming")
		}
	}
}

// backoff is base*2^(n-1), capped, with up to 25% jitter off.
func backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// fatalClose returns the operator-facing error for gateway close codes
// that no reconnect can fix, nil otherwise.
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
	a.opts.Hooks.event(e.Type)
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

// sessionUp records a session ready to serve (READY or RESUMED).
func (a *Adapter) sessionUp() {
	a.ready.Store(true)
}
