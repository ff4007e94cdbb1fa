package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// withTeams rewrites an event_callback body's envelope team_id and its
// installation (authorizations[0].team_id).
func withTeams(t *testing.T, body []byte, envelope, installation string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	m["team_id"] = envelope
	m["authorizations"].([]any)[0].(map[string]any)["team_id"] = installation
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// With slack.team_id set, an event delivered for another installation is
// dropped with a warning; one from a Slack Connect channel created by
// another workspace (envelope team_id theirs, installation ours) is
// answered.
func TestTeamPinDropsOtherWorkspaces(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode, llm: llmtest.Options{Default: llmtest.Scenario{Reply: "Pinned."}},
			adapt: func(o *Options) { o.TeamID = fakeslack.DefaultTeamID }})
		foreign := h.fake.PostUserMessage("C0GENERAL", "", "U0ALICE", "<@U0BOT> from elsewhere")
		h.deliverEvent(withTeams(t, h.fake.EventCallback("EvFOREIGN", h.fake.MessageEvent(foreign, fakeslack.AppMention)),
			"T0OTHER", "T0OTHER"), 0)
		h.waitFor("the foreign event dropped", func() bool {
			return strings.Contains(h.logs.String(), "from another workspace dropped") && strings.Contains(h.logs.String(), "EvFOREIGN")
		})
		shared := h.fake.PostUserMessage("C0GENERAL", "", "U0ALICE", "<@U0BOT> in a shared channel")
		h.deliverEvent(withTeams(t, h.fake.EventCallback("EvSHARED", h.fake.MessageEvent(shared, fakeslack.AppMention)),
			"T0OTHER", fakeslack.DefaultTeamID), 0)
		h.waitReplyText("C0GENERAL", shared.TS, "Pinned.")
		if got := h.replies("C0GENERAL", foreign.TS); len(got) != 0 {
			t.Fatalf("the foreign mention got %d replies", len(got))
		}
	})
}

// A slash command from another workspace is dropped the same way.
func TestTeamPinDropsOtherWorkspacesCommands(t *testing.T) {
	h := newHarness(t, harnessOptions{adapt: func(o *Options) { o.TeamID = "T0PINNED" }, fake: fakeslack.Options{TeamID: "T0PINNED"}})
	form := h.fake.SlashCommand("/ask", "hello", "C0GENERAL", "U0ALICE")
	form.Set("team_id", "T0OTHER")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := h.fake.Send(ctx, fakeslack.Envelope{Type: "slash_commands", Payload: fakeslack.CommandPayload(form)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.fake.WaitAck(ctx, id); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the foreign command dropped", func() bool {
		return strings.Contains(h.logs.String(), "slash command /ask from another workspace dropped")
	})
	if n := len(h.llm.Requests()); n != 0 {
		t.Fatalf("the foreign command reached the model (%d requests)", n)
	}
}

// Run refuses a bot token of another workspace than slack.team_id, naming
// both and the key.
func TestTeamPinRefusesAnotherWorkspacesToken(t *testing.T) {
	fake := fakeslack.New(fakeslack.Options{})
	defer fake.Close()
	eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: nopLLM{}, Store: nopStore()}))
	if err != nil {
		t.Fatal(err)
	}
	fo := fake.Options()
	a, err := New(Options{BotToken: fo.BotToken, AppToken: fo.AppToken, APIURL: fake.APIURL(), Mode: ModeSocket,
		AttachmentMaxBytes: 1, TeamID: "T0PINNED", Engine: eng, HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "slack.team_id") || !strings.Contains(err.Error(), "T0PINNED") ||
		!strings.Contains(err.Error(), fakeslack.DefaultTeamID) {
		t.Fatalf("Run = %v, want an error naming slack.team_id, T0PINNED and the token's %s", err, fakeslack.DefaultTeamID)
	}
}
