package slack

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestParseCommandFixture(t *testing.T) {
	form, err := url.ParseQuery(strings.TrimSpace(string(readFixture(t, "slack-slash-command.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseCommand(form)
	if err != nil {
		t.Fatal(err)
	}
	want := slashCommand{TeamID: "T0001", ChannelID: "C0GENERAL", UserID: "U0ALICE", Command: "/code",
		Text: "how do I reverse a slice in Go?", ResponseURL: "https://hooks.slack.com/commands/T0001/1234567890/AbCdEf",
		TriggerID: "1234567890.1234567890.abcdef0123456789"}
	if c != want {
		t.Errorf("parsed %+v\nwant   %+v", c, want)
	}
}

func TestParseCommandErrors(t *testing.T) {
	for name, q := range map[string]string{
		"no command":   "user_id=U1&channel_id=C1",
		"bare slash":   "command=/&user_id=U1&channel_id=C1",
		"no user":      "command=/ask&channel_id=C1",
		"no channel":   "command=/ask&user_id=U1",
		"bad response": "command=/ask&user_id=U1&channel_id=C1&response_url=javascript:x",
	} {
		v, _ := url.ParseQuery(q)
		if _, err := parseCommand(v); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCommandName(t *testing.T) {
	a := &Adapter{opts: Options{CommandPrefix: "mb-"}}
	for in, want := range map[string]string{"/mb-ask": "ask", "/MB-Code": "code", "/mb-translate": "translate",
		"/ask": "ask", "/mb-unknown": "help", "/mb-prompt": "prompt"} {
		if got := a.commandName(in); got != want {
			t.Errorf("commandName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseInteraction(t *testing.T) {
	in, err := parseInteraction([]byte(`{"type":"message_action","callback_id":"explain_code","team":{"id":"T1"},
		"user":{"id":"U1"},"channel":{"id":"C1"},"message":{"text":"x := 1","ts":"1.5","files":[{"id":"F1"}]},"response_url":"https://h/x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if in.CallbackID != ExplainCodeCallbackID || in.Message.TS != "1.5" || len(in.Message.Files) != 1 || in.Team.ID != "T1" {
		t.Errorf("parsed %+v", in)
	}
	for _, bad := range []string{``, `{}`, `[1]`, `{"type":3}`} {
		if _, err := parseInteraction([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzCommandPayload feeds arbitrary form bodies (and their Socket Mode
// JSON form) to the command and interaction parsers.
func FuzzCommandPayload(f *testing.F) {
	f.Add(strings.TrimSpace(string(readFixture(f, "slack-slash-command.txt"))))
	f.Add("command=%2Fmb-ask&user_id=U1&channel_id=C1&text=%3C%21channel%3E")
	f.Add("payload=%7B%22type%22%3A%22message_action%22%7D")
	a := &Adapter{opts: Options{CommandPrefix: "mb-"}}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		if c, err := parseCommand(form); err == nil {
			if c.UserID == "" || c.ChannelID == "" || !strings.HasPrefix(c.Command, "/") {
				t.Fatalf("accepted an incomplete command %+v", c)
			}
			if name := a.commandName(c.Command); name == "" {
				t.Fatal("empty command name")
			}
		}
		// The same fields as a Socket Mode JSON payload.
		obj := map[string]any{}
		for k := range form {
			obj[k] = form.Get(k)
		}
		raw, _ := json.Marshal(obj)
		var fields map[string]any
		if json.Unmarshal(raw, &fields) == nil {
			_, _ = parseCommand(formValues(fields))
		}
		_, _ = parseInteraction([]byte(form.Get("payload")))
	})
}
