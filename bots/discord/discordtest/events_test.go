package discordtest

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/gorilla/websocket"
)

// session connects a raw client that identifies with intents and reads
// READY (and GUILD_CREATE when the guilds intent is set).
func session(t *testing.T, s *Server, intents int) *websocket.Conn {
	t.Helper()
	ws := dial(t, s)
	read(t, ws)
	_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot test-token", "intents": intents}})
	if f := read(t, ws); f.T != "READY" {
		t.Fatalf("got %+v, want READY", f)
	}
	if intents&1 != 0 {
		read(t, ws)
	}
	return ws
}

// nextMessage reads dispatches until a MESSAGE_CREATE and decodes it.
func nextMessage(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	for {
		f := read(t, ws)
		if f.T != "MESSAGE_CREATE" {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(f.D, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
}

const allIntents = 1<<9 | 1<<12 | 1<<15

func TestBotPostsAreEchoedAsDiscordShapesThem(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	ws := session(t, s, allIntents)
	defer ws.Close()
	general := s.Options().GeneralID
	if resp, b := do(t, s, "POST", "/channels/"+general+"/messages", map[string]any{"content": "hello"}); resp.StatusCode != 200 {
		t.Fatalf("post: %d %s", resp.StatusCode, b)
	}
	d := nextMessage(t, ws)
	author, _ := d["author"].(map[string]any)
	member, hasMember := d["member"].(map[string]any)
	if d["content"] != "hello" || author["id"] != s.Bot().ID || author["bot"] != true || d["guild_id"] != s.Options().GuildID {
		t.Errorf("echo %v", d)
	}
	if !hasMember || member["user"] != nil || member["joined_at"] == nil {
		t.Errorf("guild echo member %v, want the bot's member without user", d["member"])
	}

	dm := s.DMChannel("1100000000000000005")
	if resp, b := do(t, s, "POST", "/channels/"+dm+"/messages", map[string]any{"content": "in private"}); resp.StatusCode != 200 {
		t.Fatalf("post: %d %s", resp.StatusCode, b)
	}
	d = nextMessage(t, ws)
	_, hasGuild := d["guild_id"]
	_, hasMember = d["member"]
	if d["content"] != "in private" || hasGuild || hasMember {
		t.Errorf("DM echo %v: want no guild_id and no member", d)
	}
}

func TestContentIsEmptyWithoutTheMessageContentIntent(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	ws := session(t, s, 1<<9|1<<12) // no 1 << 15
	defer ws.Close()
	alice := User{ID: "1100000000000000005", Username: "alice"}
	general := s.Options().GeneralID
	att := s.AddAttachment("a.txt", "text/plain", []byte("x"))
	for _, tc := range []struct {
		name, channel, content string
		author                 User
		kept                   bool
	}{
		{"guild message", general, "a secret", alice, false},
		{"mention of the bot", general, "<@" + s.Bot().ID + "> a question", alice, true},
		{"DM", s.DMChannel(alice.ID), "in private", alice, true},
		{"the bot's own", general, "my answer", s.Bot(), true},
	} {
		s.Post(tc.channel, Post{Author: tc.author, Content: tc.content, Attachments: []Attachment{att}})
		d := nextMessage(t, ws)
		atts, _ := d["attachments"].([]any)
		if kept := d["content"] == tc.content && len(atts) == 1; kept != tc.kept {
			t.Errorf("%s: content %q attachments %v, want kept=%v", tc.name, d["content"], atts, tc.kept)
		}
	}
}

func TestReferencedMessageNullWhenDeletedAndMangling(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	ws := session(t, s, allIntents)
	defer ws.Close()
	alice := User{ID: "1100000000000000005", Username: "alice"}
	general := s.Options().GeneralID
	first := s.Post(general, Post{Author: alice, Content: "first"})
	nextMessage(t, ws)
	s.Post(general, Post{Author: alice, Content: "reply", ReplyTo: first.ID})
	if d := nextMessage(t, ws); d["referenced_message"] == nil {
		t.Errorf("reply to an existing message: referenced_message %v", d["referenced_message"])
	}
	s.Post(general, Post{Author: alice, Content: "reply to a deleted one", ReplyTo: "1299999999999999999"})
	d := nextMessage(t, ws)
	if v, has := d["referenced_message"]; !has || v != nil {
		t.Errorf("reply to a deleted message: referenced_message present=%v value=%v, want null", has, v)
	}

	s.MangleEvents(func(t string, d map[string]any) {
		if t == "MESSAGE_CREATE" {
			SetPath(d, "author.public_flags", "64")
			delete(d, "referenced_message")
		}
	})
	s.Post(general, Post{Author: alice, Content: "mangled", ReplyTo: first.ID})
	d = nextMessage(t, ws)
	author, _ := d["author"].(map[string]any)
	if _, has := d["referenced_message"]; has || author["public_flags"] != "64" {
		t.Errorf("mangled event %v", d)
	}
	s.MangleEvents(nil)
	if SetPath(map[string]any{}, "a.b", 1) {
		t.Error("SetPath through a missing object reported success")
	}
}

// Every close code reaches the client, and only the resumable ones leave
// a session a RESUME can continue.
func TestEveryCloseCodeAndItsSession(t *testing.T) {
	for code, c := range closeCodes {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			s := New(Options{})
			defer s.Close()
			ws := dial(t, s)
			read(t, ws)
			_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot test-token", "intents": allIntents}})
			ready := read(t, ws)
			var r struct {
				SessionID string `json:"session_id"`
			}
			_ = json.Unmarshal(ready.D, &r)
			s.Disconnect(code, -1)
			_, _, err := ws.ReadMessage()
			ce, ok := err.(*websocket.CloseError)
			if !ok || ce.Code != code || ce.Text != c.text {
				t.Errorf("read after Disconnect(%d): %v", code, err)
			}
			_ = ws.Close()

			ws2 := dial(t, s)
			defer ws2.Close()
			read(t, ws2)
			_ = ws2.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "Bot test-token", "session_id": r.SessionID, "seq": 1}})
			f := read(t, ws2)
			if c.resumable && f.T != "RESUMED" {
				t.Errorf("after %d: %+v, want RESUMED", code, f)
			}
			if !c.resumable && (f.Op != 9 || string(f.D) != "false" || s.InvalidSessions() != 1) {
				t.Errorf("after %d: %+v, want Invalid Session (op 9, false)", code, f)
			}
		})
	}
}
