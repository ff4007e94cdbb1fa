package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// mistyped are changes to fields the bot never reads, each of which makes
// discordgo's all-or-nothing decoding drop the whole message.
var mistyped = []struct {
	name string
	edit func(d map[string]any)
}{
	{"referenced_message.author.public_flags as a string", func(d map[string]any) {
		d["type"] = 19
		d["referenced_message"] = map[string]any{"id": "1200000000000000001", "channel_id": "1100000000000000004",
			"content": "earlier", "author": map[string]any{"id": botID, "username": "mistralbot", "bot": true, "public_flags": "64"}}
	}},
	{"member.joined_at not a timestamp", func(d map[string]any) { discordtest.SetPath(d, "member.joined_at", "yesterday") }},
	{"member.roles an object", func(d map[string]any) { discordtest.SetPath(d, "member.roles", map[string]any{"0": "1"}) }},
	{"embeds of unexpected shape", func(d map[string]any) { d["embeds"] = []any{map[string]any{"type": 7, "fields": "none"}} }},
	{"components of unexpected shape", func(d map[string]any) { d["components"] = []any{map[string]any{"type": "row"}} }},
	{"components not a list", func(d map[string]any) { d["components"] = map[string]any{} }},
	{"author.avatar a number", func(d map[string]any) { discordtest.SetPath(d, "author.avatar", 42) }},
	{"edited_timestamp a number", func(d map[string]any) { d["edited_timestamp"] = 1700000000 }},
	{"flags a string", func(d map[string]any) { d["flags"] = "0" }},
	{"thread.member_count a string", func(d map[string]any) { d["thread"] = map[string]any{"id": "5", "member_count": "2"} }},
	{"poll of unexpected shape", func(d map[string]any) { d["poll"] = map[string]any{"expiry": 12} }},
}

func mutatedFixture(t *testing.T, edit func(map[string]any)) []byte {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(fixtureMessage(t), &d); err != nil {
		t.Fatal(err)
	}
	edit(d)
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A mistyped field the bot does not read loses nothing the bot reads;
// discordgo's own decoding (the fault) loses the message.
func TestDecodeMessageToleratesMistypedFieldsItDoesNotRead(t *testing.T) {
	where := where{botID: botID, channel: channelInfo{id: "1100000000000000004", kind: discordgo.ChannelTypeGuildText}}
	clean, err := decodeMessage(fixtureMessage(t))
	if err != nil {
		t.Fatal(err)
	}
	want, wantRoute := normalize(clean, where)
	for _, tc := range mistyped {
		t.Run(tc.name, func(t *testing.T) {
			raw := mutatedFixture(t, tc.edit)
			var dg discordgo.Message
			if json.Unmarshal(raw, &dg) == nil {
				t.Errorf("discordgo decodes it: the case reproduces nothing")
			}
			m, err := decodeMessage(raw)
			if err != nil {
				t.Fatalf("decodeMessage: %v", err)
			}
			got, route := normalize(m, where)
			got.ReplyTo = want.ReplyTo
			if route != wantRoute || got.Key != want.Key || got.Text != want.Text || got.UserName != want.UserName ||
				got.UserID != want.UserID || !got.Time.Equal(want.Time) {
				t.Errorf("normalized to %+v (%v), want %+v (%v)", got, route, want, wantRoute)
			}
		})
	}
}

func TestDecodeMessageReadsWhatTheBotNeeds(t *testing.T) {
	raw := []byte(`{"id":7,"channel_id":"2","guild_id":"9","type":19,"content":"hi","timestamp":"bogus",
		"author":{"id":"3","username":"bob","global_name":null,"bot":"no"},"member":{"nick":5},
		"mentions":[null,5,{"id":"4","username":"al"}],"mention_roles":["7",8,null],
		"attachments":[{"id":"a","url":"http://x/a.go","filename":"a.go","size":"big"},"junk"],
		"message_reference":{"message_id":"6","channel_id":"2"},"referenced_message":null,"thread":{"id":"8"}}`)
	m, err := decodeMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "7" || m.ChannelID != "2" || m.GuildID != "9" || m.Type != discordgo.MessageTypeReply || m.Content != "hi" {
		t.Errorf("message %+v", m)
	}
	if m.Author == nil || m.Author.ID != "3" || m.Author.Username != "bob" || m.Author.Bot {
		t.Errorf("author %+v", m.Author)
	}
	if len(m.Mentions) != 1 || m.Mentions[0].ID != "4" || len(m.MentionRoles) != 2 || m.MentionRoles[1] != "8" {
		t.Errorf("mentions %+v roles %v", m.Mentions, m.MentionRoles)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "a.go" {
		t.Errorf("attachments %+v", m.Attachments)
	}
	if m.MessageReference == nil || m.MessageReference.MessageID != "6" || m.ReferencedMessage != nil || m.Thread == nil ||
		!m.Timestamp.IsZero() {
		t.Errorf("reference %+v referenced %+v thread %+v time %v", m.MessageReference, m.ReferencedMessage, m.Thread, m.Timestamp)
	}
	for _, bad := range []string{`[1,2]`, `null`, `"x"`, `{"id":`, ``} {
		if _, err := decodeMessage([]byte(bad)); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

func TestDecodeMessagesSkipsOnlyTheBadElement(t *testing.T) {
	raw := []byte(`[{"id":"30","content":"c","author":{"id":"1","public_flags":"x"}},5,null,
		{"id":"20","content":"b","embeds":[{"type":1}],"author":{"id":"1"}},"junk"]`)
	msgs, n, last, err := decodeMessages(raw)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 || len(msgs) != 2 || msgs[0].Content != "c" || msgs[1].Content != "b" || last != "20" {
		t.Errorf("n=%d last=%q msgs=%+v", n, last, msgs)
	}
	if _, _, _, err := decodeMessages([]byte(`{"message":"not a page"}`)); err == nil {
		t.Error("an object decoded as a page")
	}
}

// A reply to the bot whose referenced_message has a mistyped field (the
// bot's own earlier message, author.public_flags as a string) is answered.
func TestReplyToBotWithMistypedReferencedMessageIsAnswered(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.SetDefault(llmtest.Scenario{Reply: "Because."})
	general := h.dc.Options().GeneralID
	earlier := h.dc.Post(general, discordtest.Post{Author: h.dc.Bot(), Content: "An earlier answer."})
	bot := h.dc.Bot()
	h.dc.MangleEvents(func(t string, d map[string]any) {
		if t != "MESSAGE_CREATE" || d["referenced_message"] == nil {
			return
		}
		discordtest.SetPath(d, "referenced_message.author.public_flags", "524288")
		// A reply pings the author replied to by default: Discord lists
		// them in mentions, not in the content.
		d["mentions"] = []any{map[string]any{"id": bot.ID, "username": bot.Username, "bot": true}}
	})
	reply := h.dc.Post(general, discordtest.Post{Author: h.alice, Content: "why?", ReplyTo: earlier.ID})
	h.waitExact(reply.ID, "Because.")
	reqs := h.llm.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d LLM requests", len(reqs))
	}
	var prompt strings.Builder
	for _, m := range reqs[0].Messages {
		prompt.WriteString(m.Content + "\n")
	}
	for _, want := range []string{"An earlier answer.", "why?"} {
		if !strings.Contains(prompt.String(), want) {
			t.Errorf("prompt misses %q:\n%s", want, prompt.String())
		}
	}
}

// mangledHistory rewrites the JSON of history pages the way an unexpected
// API change would: one element is not a message, the others carry
// mistyped fields the bot does not read.
type mangledHistory struct {
	base    http.RoundTripper
	mangled atomic.Int32
}

func (m *mangledHistory) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.base.RoundTrip(req)
	if err != nil || req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, "/messages") || resp.StatusCode != 200 {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var page []map[string]any
	if json.Unmarshal(body, &page) == nil && len(page) > 0 {
		out := []any{5}
		for _, msg := range page {
			discordtest.SetPath(msg, "author.public_flags", "64")
			msg["components"] = []any{map[string]any{"type": "row"}}
			out = append(out, msg)
		}
		body, _ = json.Marshal(out)
		m.mangled.Add(1)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// One bad message in a page of history loses that message, not the
// history.
func TestHistoryWithMistypedMessagesIsKept(t *testing.T) {
	t.Parallel()
	mh := &mangledHistory{base: http.DefaultTransport}
	h := newHarness(t, harnessConfig{adapter: func(o *Options) {
		o.HTTPClient = &http.Client{Transport: mh, Timeout: 10 * time.Second}
	}})
	general := h.dc.Options().GeneralID
	starter := h.dc.Post(general, discordtest.Post{Author: h.alice, Content: "starter question"})
	h.dc.AddChannel(discordtest.Channel{ID: starter.ID, Type: discordtest.PublicThread, GuildID: h.dc.Options().GuildID,
		ParentID: general, OwnerID: h.alice.ID, Name: "t"})
	h.dc.Post(starter.ID, discordtest.Post{Author: h.alice, Content: "first follow-up"})
	h.dc.Post(starter.ID, discordtest.Post{Author: h.dc.Bot(), Content: "a bot answer"})
	key := bots.ConversationKey{Platform: bots.Discord, Team: h.dc.Options().GuildID, Channel: starter.ID, Thread: starter.ID}
	turns, err := h.a.History(context.Background(), key, 50)
	if err != nil {
		t.Fatal(err)
	}
	if mh.mangled.Load() == 0 {
		t.Fatal("no history page was mangled")
	}
	var got []string
	for _, tr := range turns {
		got = append(got, tr.Text)
	}
	if strings.Join(got, "|") != "starter question|first follow-up|a bot answer" || turns[2].Role != bots.BotTurn {
		t.Errorf("turns %q", got)
	}
}

// mangleChannels gives the channel objects of GET /channels/{id} fields of
// types discordgo does not expect.
type mangleChannels struct {
	base    http.RoundTripper
	mangled atomic.Int32
}

func (m *mangleChannels) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.base.RoundTrip(req)
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	if err != nil || req.Method != http.MethodGet || len(parts) != 4 || parts[2] != "channels" || resp.StatusCode != 200 {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var ch map[string]any
	if json.Unmarshal(body, &ch) == nil {
		ch["thread_metadata"] = map[string]any{"archived": false, "archive_timestamp": 1700000000}
		ch["permission_overwrites"] = "none"
		body, _ = json.Marshal(ch)
		m.mangled.Add(1)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// A mention in a thread the gateway state does not know is answered in
// that thread even when its channel object has fields of unexpected types
// (discordgo's decoding failed it, and the bot took the thread for a plain
// channel and tried to start a thread inside it).
func TestThreadWithMistypedChannelObjectIsKnownAsAThread(t *testing.T) {
	t.Parallel()
	mc := &mangleChannels{base: http.DefaultTransport}
	h := newHarness(t, harnessConfig{adapter: func(o *Options) {
		o.HTTPClient = &http.Client{Transport: mc, Timeout: 10 * time.Second}
	}})
	h.llm.SetDefault(llmtest.Scenario{Reply: "In the thread."})
	general := h.dc.Options().GeneralID
	// Added once GUILD_CREATE is in the gateway state, so that only the
	// REST lookup can tell what the thread is.
	h.waitFor("GUILD_CREATE", 5*time.Second, func() bool {
		g, err := h.a.s.State.Guild(h.dc.Options().GuildID)
		if err != nil {
			return false
		}
		h.a.s.State.RLock()
		defer h.a.s.State.RUnlock()
		return !g.Unavailable && len(g.Channels) > 0
	})
	thread := h.dc.NewID()
	h.dc.AddChannel(discordtest.Channel{ID: thread, Type: discordtest.PublicThread, GuildID: h.dc.Options().GuildID,
		ParentID: general, OwnerID: h.alice.ID, Name: "a thread"})
	q := h.dc.Post(thread, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> a question here"})
	h.waitExact(thread, "In the thread.")
	if mc.mangled.Load() == 0 {
		t.Fatal("the channel object was never fetched")
	}
	for _, r := range h.dc.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/messages/"+q.ID+"/threads") {
			t.Errorf("a thread was started from a message inside a thread")
		}
	}
}
