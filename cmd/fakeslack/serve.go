package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"mistralbot/bots/slack"
	"mistralbot/bots/slack/fakeslack"
)

const serveHelp = `fakeslack serve: run the fake workspace until interrupted.

Example:
  fakeslack serve -listen :8083 -public-url http://fakeslack:8083

Flags:
`

// serve runs the fake workspace with ask's control endpoints until ctx
// ends. It says where on stderr.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", serveHelp, stdout, stderr)
	listen := fs.String("listen", ":8083", "address to listen on")
	public := fs.String("public-url", "", "the URL the bot reaches the workspace at, as written in Socket Mode and file links (default: http://<listen address>)")
	if err := parse(fs, args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := fakeslack.New(fakeslack.Options{Listener: ln, PublicURL: *public, Spread: true})
	defer srv.Close()
	c := &control{srv: srv}
	srv.Handle("POST /dev/ask", http.HandlerFunc(c.ask))
	srv.Handle("GET /dev/thread", http.HandlerFunc(c.thread))
	o := srv.Options()
	fmt.Fprintf(stderr, "fakeslack: workspace %s at %s (listening on %s); bot token %s, app token %s, signing secret %s\n",
		o.TeamID, srv.URL(), ln.Addr(), o.BotToken, o.AppToken, o.SigningSecret)
	<-ctx.Done()
	return nil
}

// control serves the endpoints ask uses: post a question, read the
// bot's replies to it.
type control struct {
	srv *fakeslack.Server
	seq atomic.Int64
}

// askResult is POST /dev/ask's answer.
type askResult struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// ask posts a person's message mentioning the bot (form fields text,
// channel, user) and delivers its app_mention event over Socket Mode,
// waiting up to 30 s for a bot to be connected.
func (c *control) ask(w http.ResponseWriter, r *http.Request) {
	text := strings.TrimSpace(r.FormValue("text"))
	channel, user := r.FormValue("channel"), r.FormValue("user")
	if text == "" || channel == "" || user == "" {
		http.Error(w, "text, channel and user are required", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if err := c.srv.WaitConnected(ctx, 0); err != nil {
		http.Error(w, "no bot is connected over Socket Mode: is mistralbot running with MISTRALBOT_SLACK_MODE=socket and this workspace's API URL?", http.StatusServiceUnavailable)
		return
	}
	m := c.srv.PostUserMessage(channel, "", user, "<@"+c.srv.Options().BotUserID+"> "+text)
	id := "EvASK" + strconv.FormatInt(c.seq.Add(1), 10)
	body := c.srv.EventCallback(id, c.srv.MessageEvent(m, fakeslack.AppMention))
	if _, err := c.srv.Send(ctx, fakeslack.Envelope{Type: "events_api", Payload: body}); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, askResult{Channel: m.Channel, TS: m.TS})
}

// reply is one bot message of GET /dev/thread.
type reply struct {
	TS   string `json:"ts"`
	Text string `json:"text"`
	// Streaming: between chat.startStream and chat.stopStream.
	Streaming bool `json:"streaming"`
	// Writing: the message shows mistralbot's Stop button (an answer
	// being written with chat.update); Complete: it shows the feedback
	// buttons, which mistralbot adds to a complete answer only.
	Writing  bool `json:"writing"`
	Complete bool `json:"complete"`
}

// thread answers the bot's replies in the thread of ts (query channel,
// ts), oldest first.
func (c *control) thread(w http.ResponseWriter, r *http.Request) {
	channel, ts := r.URL.Query().Get("channel"), r.URL.Query().Get("ts")
	out := []reply{}
	for _, m := range c.srv.BotReplies(channel, ts) {
		ids := actionIDs(m.Blocks)
		out = append(out, reply{TS: m.TS, Text: m.Body(), Streaming: m.Streaming,
			Writing: ids[slack.StopActionID], Complete: ids[slack.FeedbackActionID]})
	}
	writeJSON(w, out)
}

// actionIDs are the action_id values anywhere in blocks.
func actionIDs(blocks []map[string]any) map[string]bool {
	ids := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["action_id"].(string); ok {
				ids[id] = true
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, b := range blocks {
		walk(b)
	}
	return ids
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
