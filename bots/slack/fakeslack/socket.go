package fakeslack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope is a Socket Mode request the fake sends to the app.
type Envelope struct {
	// Type is events_api, slash_commands or interactive.
	Type string
	// Payload is the envelope's payload (an Events API body, a slash
	// command object or an interaction payload).
	Payload                json.RawMessage
	RetryAttempt           int
	RetryReason            string
	AcceptsResponsePayload bool
}

// Ack is an acknowledgement the app sent over the websocket.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
	At         time.Time
}

type sconn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

func (c *sconn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

type socketState struct {
	mu      sync.Mutex
	current *sconn
	all     map[*sconn]bool
	ready   []*sconn // connections that got hello, oldest first (Options.Spread)
	next    int      // the ready connection Spread sends to next
	tickets map[string]bool
	acks    []Ack
	changed chan struct{} // closed and replaced whenever state changes
	envSeq  int
	count   int
	closed  bool
	wg      sync.WaitGroup
}

func (st *socketState) init() {
	st.all = map[*sconn]bool{}
	st.tickets = map[string]bool{}
	st.changed = make(chan struct{})
}

// notify wakes waiters. Callers hold st.mu.
func (st *socketState) notify() {
	close(st.changed)
	st.changed = make(chan struct{})
}

func (st *socketState) closeAll() {
	st.mu.Lock()
	st.closed = true
	for c := range st.all {
		_ = c.ws.NetConn().Close()
	}
	st.notify()
	st.mu.Unlock()
}

func (st *socketState) wait() { st.wg.Wait() }

func (s *Server) connectionsOpen(url.Values) apiResult {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	ticket := "tk" + strconv.Itoa(len(st.tickets)+1)
	st.tickets[ticket] = true
	wsURL := "ws" + strings.TrimPrefix(s.base, "http") + "/socket?ticket=" + ticket
	return ok(map[string]any{"url": wsURL})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	st := &s.sock
	st.mu.Lock()
	valid := st.tickets[r.URL.Query().Get("ticket")] && !st.closed
	delete(st.tickets, r.URL.Query().Get("ticket")) // one use, like Slack's
	st.mu.Unlock()
	if !valid {
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &sconn{ws: ws}
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		_ = ws.Close()
		return
	}
	st.wg.Add(1)
	st.all[c] = true
	st.count++
	st.mu.Unlock()
	defer st.wg.Done()

	hello := map[string]any{"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "fakeslack", "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": s.opts.AppID}}
	if c.write(hello) == nil {
		st.mu.Lock()
		st.current = c
		st.ready = append(st.ready, c)
		st.notify()
		st.mu.Unlock()
	}

	stop := make(chan struct{})
	st.wg.Go(func() { s.pinger(c, stop) })
	s.readAcks(c)
	close(stop)

	st.mu.Lock()
	delete(st.all, c)
	st.ready = slices.DeleteFunc(st.ready, func(r *sconn) bool { return r == c })
	if st.current == c {
		st.current = nil
	}
	st.notify()
	st.mu.Unlock()
	_ = ws.Close()
}

func (s *Server) pinger(c *sconn, stop chan struct{}) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			c.wmu.Lock()
			err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
			c.wmu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

func (s *Server) readAcks(c *sconn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.sock.mu.Lock()
		s.sock.acks = append(s.sock.acks, Ack{EnvelopeID: ack.EnvelopeID, Payload: ack.Payload, At: s.opts.Now()})
		s.sock.notify()
		s.sock.mu.Unlock()
	}
}

// Open returns how many websocket connections are open and got hello.
func (s *Server) Open() int {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	return len(s.sock.ready)
}

// Connections returns how many websocket connections were accepted.
func (s *Server) Connections() int {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	return s.sock.count
}

// WaitConnected blocks until a websocket is connected and has received
// hello, or ctx ends. minCount > 0 also waits for at least that many
// connections in total (a reconnect).
func (s *Server) WaitConnected(ctx context.Context, minCount int) error {
	for {
		s.sock.mu.Lock()
		ready := s.sock.current != nil && s.sock.count >= minCount
		ch := s.sock.changed
		s.sock.mu.Unlock()
		if ready {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("fakeslack: wait for socket connection: %w", ctx.Err())
		}
	}
}

// Send delivers an envelope over the current websocket (waiting for one),
// or with Options.Spread over each open one in turn, and returns its
// envelope id.
func (s *Server) Send(ctx context.Context, env Envelope) (string, error) {
	if err := s.WaitConnected(ctx, 0); err != nil {
		return "", err
	}
	s.sock.mu.Lock()
	s.sock.envSeq++
	id := fmt.Sprintf("env-%04d-%d", s.sock.envSeq, time.Now().UnixNano()%100000)
	c := s.sock.current
	if s.opts.Spread && len(s.sock.ready) > 0 {
		c = s.sock.ready[s.sock.next%len(s.sock.ready)]
		s.sock.next++
	}
	s.sock.mu.Unlock()
	if c == nil {
		return "", errors.New("fakeslack: socket disconnected")
	}
	msg := map[string]any{"envelope_id": id, "type": env.Type, "payload": env.Payload,
		"accepts_response_payload": env.AcceptsResponsePayload, "retry_attempt": env.RetryAttempt,
		"retry_reason": env.RetryReason}
	if err := c.write(msg); err != nil {
		return "", fmt.Errorf("fakeslack: send envelope: %w", err)
	}
	return id, nil
}

// SendRaw writes an arbitrary frame on the current websocket (malformed
// input tests).
func (s *Server) SendRaw(ctx context.Context, frame []byte) error {
	if err := s.WaitConnected(ctx, 0); err != nil {
		return err
	}
	s.sock.mu.Lock()
	c := s.sock.current
	s.sock.mu.Unlock()
	if c == nil {
		return errors.New("fakeslack: socket disconnected")
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// Acks returns the acknowledgements received so far.
func (s *Server) Acks() []Ack {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	return append([]Ack(nil), s.sock.acks...)
}

// WaitAck blocks until the envelope is acknowledged or ctx ends.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	for {
		s.sock.mu.Lock()
		ch := s.sock.changed
		for _, a := range s.sock.acks {
			if a.EnvelopeID == envelopeID {
				s.sock.mu.Unlock()
				return a, nil
			}
		}
		s.sock.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Ack{}, fmt.Errorf("fakeslack: wait for ack of %s: %w", envelopeID, ctx.Err())
		}
	}
}

// DropSocket cuts the current websocket without a close frame, as a
// network failure would; the app is expected to reconnect.
func (s *Server) DropSocket() {
	s.sock.mu.Lock()
	c := s.sock.current
	s.sock.current = nil
	s.sock.notify()
	s.sock.mu.Unlock()
	if c != nil {
		_ = c.ws.NetConn().Close()
	}
}

// RequestDisconnect sends Slack's "disconnect" request (refresh_requested)
// on the current websocket.
func (s *Server) RequestDisconnect(ctx context.Context) error {
	frame, _ := json.Marshal(map[string]any{"type": "disconnect", "reason": "refresh_requested",
		"debug_info": map[string]any{"host": "fakeslack"}})
	return s.SendRaw(ctx, frame)
}
