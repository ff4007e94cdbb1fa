package slack

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testAdapter is an Adapter with an identity, for pure tests (no I/O).
func testAdapter() *Adapter {
	a := &Adapter{opts: Options{FollowThreads: true}, botUserID: "U0BOT", botID: "B0BOT"}
	return a
}

func TestParseEventsFixtures(t *testing.T) {
	env, ev, err := parseEvents(readFixture(t, "slack-event-app-mention.json"))
	if err != nil {
		t.Fatal(err)
	}
	if env.EventID != "Ev08MFMKH6J" || env.team() != "T0001" || ev.Type != "app_mention" ||
		ev.Channel != "C0GENERAL" || ev.TS != "1760000100.000200" || ev.User != "U0ALICE" {
		t.Errorf("app_mention parsed as %+v / %+v", env, ev)
	}
	if k := testAdapter().classify(ev); k != channelMessage {
		t.Errorf("mention classified %v", k)
	}

	_, ev, err = parseEvents(readFixture(t, "slack-event-thread-message.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.ThreadTS != "1760000100.000200" || ev.ChannelType != "channel" {
		t.Errorf("thread message parsed as %+v", ev)
	}
	a := testAdapter()
	if k := a.classify(ev); k != channelMessage {
		t.Errorf("thread follow-up classified %v with follow_threads", k)
	}
	a.opts.FollowThreads = false
	if k := a.classify(ev); k != skipMessage {
		t.Errorf("thread follow-up classified %v without follow_threads", k)
	}

	var sock struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(readFixture(t, "slack-socket-envelope.json"), &sock); err != nil {
		t.Fatal(err)
	}
	if _, ev, err = parseEvents(sock.Payload); err != nil || ev.Text != "<@U0BOT> hello" {
		t.Errorf("socket payload: %+v, %v", ev, err)
	}
}

func TestParseEventsErrors(t *testing.T) {
	for name, body := range map[string]string{
		"not json":           `{"type":`,
		"unknown type":       `{"type":"surprise"}`,
		"no event":           `{"type":"event_callback","event_id":"E1"}`,
		"null event":         `{"type":"event_callback","event":null}`,
		"event not object":   `{"type":"event_callback","event":"x"}`,
		"event without type": `{"type":"event_callback","event":{"text":"hi"}}`,
		"challenge missing":  `{"type":"url_verification"}`,
	} {
		if _, _, err := parseEvents([]byte(body)); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
	env, _, err := parseEvents([]byte(`{"type":"url_verification","challenge":"c123","token":"x"}`))
	if err != nil || env.Challenge != "c123" {
		t.Errorf("url_verification: %+v %v", env, err)
	}
}

func TestClassify(t *testing.T) {
	a := testAdapter()
	base := innerEvent{Type: "message", User: "U0ALICE", Channel: "C1", TS: "1.000001", Text: "hello"}
	tests := []struct {
		name string
		mod  func(*innerEvent)
		want messageKind
	}{
		{"top-level chatter", func(*innerEvent) {}, skipMessage},
		{"top-level with mention", func(e *innerEvent) { e.Text = "<@U0BOT> hi" }, channelMessage},
		{"app_mention", func(e *innerEvent) { e.Type = "app_mention" }, channelMessage},
		{"thread reply", func(e *innerEvent) { e.ThreadTS = "0.5" }, channelMessage},
		{"thread parent echo", func(e *innerEvent) { e.ThreadTS = e.TS }, skipMessage},
		{"dm", func(e *innerEvent) { e.Channel, e.ChannelType = "D1", "im" }, directMessage},
		{"own message", func(e *innerEvent) { e.User = "U0BOT"; e.ThreadTS = "0.5" }, skipMessage},
		{"other bot", func(e *innerEvent) { e.BotID = "B9"; e.ThreadTS = "0.5" }, skipMessage},
		{"bot_message", func(e *innerEvent) { e.Subtype = "bot_message"; e.Channel = "D1" }, skipMessage},
		{"edit", func(e *innerEvent) { e.Subtype = "message_changed"; e.Channel = "D1" }, skipMessage},
		{"delete", func(e *innerEvent) { e.Subtype = "message_deleted"; e.Channel = "D1" }, skipMessage},
		{"join", func(e *innerEvent) { e.Subtype = "channel_join"; e.Text = "<@U0BOT> joined" }, skipMessage},
		{"file share in dm", func(e *innerEvent) { e.Subtype = "file_share"; e.Channel = "D1" }, directMessage},
		{"no user", func(e *innerEvent) { e.User = ""; e.Channel = "D1" }, skipMessage},
		{"reaction", func(e *innerEvent) { e.Type = "reaction_added"; e.Channel = "D1" }, skipMessage},
	}
	for _, tt := range tests {
		ev := base
		tt.mod(&ev)
		if got := a.classify(ev); got != tt.want {
			t.Errorf("%s: classify = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTSTime(t *testing.T) {
	got := tsTime("1760000100.000200")
	if want := time.Unix(1760000100, 200000); !got.Equal(want) {
		t.Errorf("tsTime = %v, want %v", got, want)
	}
	if !tsTime("garbage").IsZero() {
		t.Error("bad ts must give zero time")
	}
}

// FuzzEventPayload feeds arbitrary bodies to the Events API parser and the
// routing decision: they must never panic.
func FuzzEventPayload(f *testing.F) {
	for _, name := range []string{"slack-event-app-mention.json", "slack-event-thread-message.json"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`{"type":"url_verification","challenge":"x"}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"reaction_added","item":{"type":"message","channel":"C1","ts":"1.2"},"reaction":"flag-fr"}}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"assistant_thread_started","assistant_thread":{"channel_id":"D1","thread_ts":"1.2"}}}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"message","channel":"D1","user":"U1","ts":"1.2","files":[{"id":"F1"}]}}`))
	a := testAdapter()
	f.Fuzz(func(t *testing.T, body []byte) {
		env, ev, err := parseEvents(body)
		if err != nil {
			return
		}
		_ = env.team()
		if k := a.classify(ev); k != skipMessage && (ev.Channel == "" || ev.User == "" || ev.TS == "") {
			t.Fatalf("routed an event without channel, user or ts: %+v", ev)
		}
		_ = tsTime(ev.TS)
	})
}
