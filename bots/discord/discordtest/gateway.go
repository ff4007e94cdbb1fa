package discordtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Identify is what the bot sent in IDENTIFY (op 2).
type Identify struct {
	Token   string `json:"token"`
	Intents int    `json:"intents"`
	Shard   []int  `json:"shard"`
}

type dispatch struct {
	seq int64
	t   string
	d   json.RawMessage
}

type gwConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

func (c *gwConn) send(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func (c *gwConn) close(code int, text string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
	_ = c.ws.Close()
}

// gateway is the fake gateway's state: one session, its dispatch log (for
// RESUME replays) and the faults a test asked for.
type gateway struct {
	mu         sync.Mutex
	conns      map[*gwConn]bool
	current    *gwConn
	sessionID  string
	seq        int64
	log        []dispatch
	identifies []Identify
	resumes    int
	onIdentify int // close code answering IDENTIFY, 0 = READY
	pauseAcks  bool
	replayFrom int64 // -1: replay from the client's seq
	heartbeats int
	// intents of the current session's IDENTIFY (hasIntents: one was
	// received), for the message-content rule of shape.
	intents    int
	hasIntents bool
	mangle     func(t string, d map[string]any)
	outage     bool
	// invalidSessions counts RESUMEs refused with op 9.
	invalidSessions int
	dials           []time.Time // every websocket upgrade request
}

func (g *gateway) init() {
	g.conns = map[*gwConn]bool{}
	g.replayFrom = -1
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	conns := make([]*gwConn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.close(websocket.CloseGoingAway, "server closing")
	}
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	g := &s.gw
	g.mu.Lock()
	g.dials = append(g.dials, time.Now())
	down := g.outage
	g.mu.Unlock()
	if down {
		// What the edge in front of Discord's gateway answers while it is
		// down: the upgrade fails.
		http.Error(w, "upstream connect error", http.StatusServiceUnavailable)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	g.mu.Lock()
	g.conns[c] = true
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.conns, c)
		if g.current == c {
			g.current = nil
		}
		g.mu.Unlock()
		_ = ws.Close()
	}()
	if c.send(map[string]any{"op": 10, "s": nil, "t": nil,
		"d": map[string]any{"heartbeat_interval": s.opts.HeartbeatInterval.Milliseconds()}}) != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var f struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(data, &f) != nil {
			c.close(4002, "Error while decoding payload.")
			return
		}
		switch f.Op {
		case 1:
			g.mu.Lock()
			g.heartbeats++
			paused := g.pauseAcks
			g.mu.Unlock()
			if !paused {
				_ = c.send(map[string]any{"op": 11})
			}
		case 2:
			if !s.identify(c, f.D) {
				return
			}
		case 6:
			s.resume(c, f.D)
		}
	}
}

func (s *Server) identify(c *gwConn, raw json.RawMessage) bool {
	var id Identify
	_ = json.Unmarshal(raw, &id)
	g := &s.gw
	g.mu.Lock()
	g.identifies = append(g.identifies, id)
	code := g.onIdentify
	g.mu.Unlock()
	if id.Token != "Bot "+s.opts.Token && id.Token != s.opts.Token {
		c.close(4004, "Authentication failed.")
		return false
	}
	if code != 0 {
		c.close(code, closeText(code))
		return false
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	g.mu.Lock()
	g.sessionID = hex.EncodeToString(b)
	g.intents, g.hasIntents = id.Intents, true
	g.seq = 0
	g.log = nil
	g.current = c
	g.mu.Unlock()
	shard := id.Shard
	if len(shard) != 2 {
		shard = []int{0, 1}
	}
	s.Dispatch("READY", map[string]any{
		"v": 10, "session_id": g.sessionID, "resume_gateway_url": s.GatewayURL(),
		"user": s.bot, "guilds": []map[string]any{{"id": s.opts.GuildID, "unavailable": true}},
		"application": map[string]any{"id": s.opts.AppID, "flags": 565248}, "shard": shard,
	})
	if id.Intents&1 != 0 {
		s.Dispatch("GUILD_CREATE", s.guildCreate())
	}
	return true
}

// closeCodes are Discord's gateway close codes: their text and whether
// the session survives them (Resume in
// https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
var closeCodes = map[int]struct {
	text      string
	resumable bool
}{
	4000: {"Unknown error.", true},
	4001: {"Unknown opcode.", false},
	4002: {"Decode error.", true},
	4003: {"Not authenticated.", false},
	4004: {"Authentication failed.", false},
	4005: {"Already authenticated.", false},
	4007: {"Invalid seq.", false},
	4008: {"Rate limited.", true},
	4009: {"Session timed out.", false},
	4010: {"Invalid shard.", false},
	4011: {"Sharding required.", false},
	4012: {"Invalid API version.", false},
	4013: {"Invalid intent(s).", false},
	4014: {"Disallowed intent(s).", false},
}

func closeText(code int) string {
	if c, ok := closeCodes[code]; ok {
		return c.text
	}
	return "Unknown error."
}

// resumable reports whether a session closed with code may be resumed;
// codes outside Discord's table (1000-range websocket codes, an abrupt
// loss) leave it resumable, as Discord does for network failures.
func resumable(code int) bool {
	c, ok := closeCodes[code]
	return !ok || c.resumable
}

// guildCreate builds the GUILD_CREATE payload of the fake guild.
func (s *Server) guildCreate() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	channels, threads := []Channel{}, []Channel{}
	for _, c := range s.channels {
		if c.GuildID != s.opts.GuildID {
			continue
		}
		if c.Type == PublicThread || c.Type == PrivateThread {
			threads = append(threads, *c)
		} else {
			channels = append(channels, *c)
		}
	}
	members := []Member{}
	if m := s.members[s.opts.GuildID][s.bot.ID]; m != nil {
		members = append(members, *m)
	}
	return map[string]any{"id": s.opts.GuildID, "name": "Test guild", "channels": channels, "threads": threads,
		"members": members, "roles": []any{}, "unavailable": false, "member_count": 2, "owner_id": "1"}
}

func (s *Server) resume(c *gwConn, raw json.RawMessage) {
	var r struct {
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(raw, &r)
	g := &s.gw
	g.mu.Lock()
	if r.SessionID == "" || r.SessionID != g.sessionID {
		g.invalidSessions++
		g.mu.Unlock()
		_ = c.send(map[string]any{"op": 9, "d": false})
		return
	}
	g.resumes++
	g.current = c
	from := r.Seq
	if g.replayFrom >= 0 && g.replayFrom < from {
		from = g.replayFrom
	}
	g.replayFrom = -1
	for _, d := range g.log {
		if d.seq > from {
			_ = c.send(map[string]any{"op": 0, "s": d.seq, "t": d.t, "d": d.d})
		}
	}
	g.mu.Unlock()
	s.Dispatch("RESUMED", map[string]any{})
}

// Dispatch sends an event (op 0) with the next sequence number to the
// connected bot. Without a connection the event is kept and replayed on
// RESUME. It returns the sequence number.
func (s *Server) Dispatch(t string, d any) int64 {
	raw, err := json.Marshal(d)
	if err != nil {
		raw = []byte("null")
	}
	return s.DispatchRaw(t, raw)
}

// DispatchRaw is Dispatch with a raw (possibly malformed) payload. Like
// Dispatch it shapes MESSAGE_CREATE and MESSAGE_UPDATE as Discord would
// for the session's intents and applies MangleEvents (events.go).
func (s *Server) DispatchRaw(t string, raw json.RawMessage) int64 {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seq++
	raw = s.shape(t, raw)
	g.log = append(g.log, dispatch{seq: g.seq, t: t, d: raw})
	if g.current != nil {
		_ = g.current.send(map[string]any{"op": 0, "s": g.seq, "t": t, "d": raw})
	}
	return g.seq
}

// CloseOnIdentify makes the gateway answer IDENTIFY with a close code
// (4004 bad token, 4014 disallowed intents, ...); 0 restores READY.
func (s *Server) CloseOnIdentify(code int) {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	s.gw.onIdentify = code
}

// Disconnect closes the current gateway connection with code, any of
// Discord's (closeCodes): after a code whose session cannot be resumed
// (4001, 4003-4005, 4007, 4009-4014) the next RESUME is answered with
// Invalid Session (op 9, d: false), as Discord does, and the bot must
// IDENTIFY again. When replayFrom >= 0 the next RESUME replays every
// dispatch after replayFrom, even those the bot already received, as
// Discord may do.
func (s *Server) Disconnect(code int, replayFrom int64) {
	g := &s.gw
	g.mu.Lock()
	c := g.current
	g.current = nil
	g.replayFrom = replayFrom
	if !resumable(code) {
		g.sessionID = ""
	}
	g.mu.Unlock()
	if c != nil {
		c.close(code, closeText(code))
	}
}

// SetOutage starts (true) or ends (false) a gateway outage: while it lasts
// every connection is cut without a close frame and every new one is
// refused with 503 before the websocket upgrade. The session survives it:
// a RESUME after the outage is accepted.
func (s *Server) SetOutage(down bool) {
	g := &s.gw
	g.mu.Lock()
	g.outage = down
	var conns []*gwConn
	if down {
		for c := range g.conns {
			conns = append(conns, c)
		}
		g.current = nil
	}
	g.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
}

// Dials returns when each websocket connection was asked for (upgrade
// requests, refused ones included), by the clock of the goroutine serving
// it (the bubble's under testing/synctest).
func (s *Server) Dials() []time.Time {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]time.Time(nil), s.gw.dials...)
}

// PauseHeartbeatAcks stops (true) or resumes (false) answering heartbeats.
func (s *Server) PauseHeartbeatAcks(pause bool) {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	s.gw.pauseAcks = pause
}

// Identifies returns every IDENTIFY received.
func (s *Server) Identifies() []Identify {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]Identify(nil), s.gw.identifies...)
}

// InvalidSessions returns how many RESUMEs were refused with Invalid
// Session (op 9).
func (s *Server) InvalidSessions() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.invalidSessions
}

// Resumes returns how many RESUMEs were accepted.
func (s *Server) Resumes() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.resumes
}

// Connected reports whether a bot session is connected (after READY or
// RESUMED).
func (s *Server) Connected() bool {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.current != nil
}

// Seq returns the last sequence number dispatched.
func (s *Server) Seq() int64 {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.seq
}

// WaitFor polls cond every few milliseconds until it holds or ctx ends.
func WaitFor(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
