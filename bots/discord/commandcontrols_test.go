package discord

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// hasButton reports whether m shows a button whose custom_id starts with
// prefix.
func hasButton(m *discordtest.Message, prefix string) bool {
	if m == nil {
		return false
	}
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b, prefix) {
			return true
		}
	}
	return false
}

// A command's answer (the interaction's original response) has the
// controls of a chat answer: Stop while it streams, then 👍 / 👎 and
// Regenerate. Regenerate asks the same command again and rewrites the
// original response in place, even once the command's token has expired
// (the message is the bot's, edited with its token); a stranger is
// refused; the same click delivered twice acts once.
func TestRegenerateSlashCommandAnswer(t *testing.T) {
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.StopButton = true }})
	h.llm.Script(llmtest.Scenario{Reply: "Use slices.Reverse." + strings.Repeat(" More.", 40), Delay: 5 * time.Millisecond},
		llmtest.Scenario{Reply: "Reverse it in place."})
	in := h.dc.Interact(h.dc.SlashCommand(h.invoker(), "code",
		discordtest.Option{Name: "question", Type: 3, Value: "reverse a slice"}, discordtest.Option{Name: "language", Type: 3, Value: "go"}))
	h.waitFor("the Stop button while the command's answer streams", 10*time.Second, func() bool {
		return hasButton(h.dc.InteractionResponse(in.Token).Original, stopPrefix)
	})
	var first discordtest.Message
	h.waitFor("the finished answer with its controls", 10*time.Second, func() bool {
		o := h.dc.InteractionResponse(in.Token).Original
		if o == nil || !strings.HasSuffix(o.Content, "More.") || hasButton(o, stopPrefix) {
			return false
		}
		first = *o
		return hasButton(o, feedbackPrefix) && regenButton(*o) != ""
	})

	stranger := h.dc.ClickButton(first, "900000000000000099", "0", regenButton(first))
	h.waitFor("the refusal", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(stranger.Token)) == i18n.T("en", i18n.RegenerateNotAllowed)
	})

	// 15 minutes later the command's token is gone; the message is not.
	h.dc.ExpireInteraction(in.Token)
	click := h.dc.ClickButton(first, h.alice.ID, "0", regenButton(first))
	h.waitFor("the regenerate's response", 5*time.Second, func() bool { return h.dc.InteractionResponse(click.Token).Type == 6 })
	h.dc.Dispatch("INTERACTION_CREATE", click)
	second := h.waitRegenerable(h.dc.Options().GeneralID, "Reverse it in place.")
	if second.ID != first.ID {
		t.Errorf("the new answer is message %s, want the original response %s edited", second.ID, first.ID)
	}
	if regenButton(second) == regenButton(first) {
		t.Error("the new answer reuses the old reply id")
	}
	reqs := h.llm.ChatRequests()
	if len(reqs) != 2 {
		t.Fatalf("model asked %d times, want 2", len(reqs))
	}
	if !reflect.DeepEqual(reqs[0].Messages, reqs[1].Messages) {
		t.Errorf("the command was asked again as\n%+v\nnot as\n%+v", reqs[1].Messages, reqs[0].Messages)
	}
}
