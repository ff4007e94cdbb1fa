package fakeslack

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	slackgo "github.com/slack-go/slack"
)

// Served on a given listener behind a public URL (cmd/fakeslack in
// compose), Socket Mode URLs name the public host; with Spread, envelopes
// go to the open connections in turn.
func TestListenerPublicURLAndSpread(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Listener: ln, PublicURL: "http://fakeslack.internal:8083/", Spread: true})
	defer s.Close()
	if s.APIURL() != "http://fakeslack.internal:8083/api/" {
		t.Fatalf("APIURL %q", s.APIURL())
	}
	// The bot reaches the public URL; here, the listener stands for it.
	api := slackgo.New(DefaultBotToken, slackgo.OptionAPIURL("http://"+ln.Addr().String()+"/api/"), slackgo.OptionAppLevelToken(DefaultAppToken))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var conns []*websocket.Conn
	for range 2 {
		_, wsURL, err := api.StartSocketModeContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(wsURL, "ws://fakeslack.internal:8083/socket?") {
			t.Fatalf("socket URL %q does not name the public host", wsURL)
		}
		conn, _, err := websocket.DefaultDialer.DialContext(ctx, strings.Replace(wsURL, "fakeslack.internal:8083", ln.Addr().String(), 1), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var hello map[string]any
		if err := conn.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
			t.Fatalf("hello = %v, %v", hello, err)
		}
		conns = append(conns, conn)
	}
	// The server counts a connection once its hello is written, which the
	// client may read first.
	for s.Open() < 2 {
		select {
		case <-ctx.Done():
			t.Fatalf("%d connections open, want 2", s.Open())
		case <-time.After(10 * time.Millisecond):
		}
	}
	var ids []string
	for i := range 4 {
		id, err := s.Send(ctx, Envelope{Type: "events_api", Payload: s.EventCallback("Ev"+string(rune('a'+i)), map[string]any{"type": "app_mention"})})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// In turn: one connection gets envelopes 0 and 2, the other 1 and 3
	// (which is first depends on which hello the server counted first).
	read := func(c *websocket.Conn) string {
		var env struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if err := c.ReadJSON(&env); err != nil {
			t.Fatal(err)
		}
		return env.EnvelopeID
	}
	a := []string{read(conns[0]), read(conns[0])}
	b := []string{read(conns[1]), read(conns[1])}
	first, second := []string{ids[0], ids[2]}, []string{ids[1], ids[3]}
	if !(slices.Equal(a, first) && slices.Equal(b, second) || slices.Equal(a, second) && slices.Equal(b, first)) {
		t.Fatalf("connections got %v and %v; sent %v", a, b, ids)
	}
}
