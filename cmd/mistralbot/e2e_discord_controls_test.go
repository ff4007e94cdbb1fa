package main

import (
	"context"
	"maps"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// The controls on each answer (issue 14) through the real binary on
// Discord: the binary connects to discordtest's gateway on loopback; a
// click is a MESSAGE_COMPONENT interaction (INTERACTION_CREATE) the fake
// dispatches, answered by the interaction callback it records.

// The custom_id prefixes of the buttons (bots/discord/stop.go,
// regenerate.go): what Discord hands back on a click.
const (
	discordStopPrefix  = "mistralbot_stop:"
	discordRegenPrefix = "mistralbot_regen:"
	// discordFeedbackPrefix + "up:" or "down:" + the reply id.
	discordFeedbackPrefix = "mistralbot_fb:"
)

// discordWorld is discordtest and llmtest on loopback.
type discordWorld struct {
	t     *testing.T
	dc    *discordtest.Server
	llm   *llmtest.Server
	alice discordtest.User
}

func newDiscordWorld(t *testing.T, lo llmtest.Options) *discordWorld {
	t.Helper()
	lo.Dialect = llmtest.OpenRouter
	lo.APIKey = "sk-or-e2e"
	w := &discordWorld{t: t, dc: discordtest.New(discordtest.Options{Token: testDiscordToken}), llm: llmtest.New(lo),
		alice: discordtest.User{ID: "1100000000000000005", Username: "alice", Discriminator: "0"}}
	t.Cleanup(func() { w.llm.Close(); w.dc.Close() })
	return w
}

// env runs the binary on Discord only, with store.* from store.
func (w *discordWorld) env(store map[string]string) map[string]string {
	env := map[string]string{
		"MISTRALBOT_DISCORD_ENABLED":     "true",
		"DISCORD_BOT_TOKEN":              testDiscordToken,
		"DISCORD_APPLICATION_ID":         w.dc.Options().AppID,
		"MISTRALBOT_DISCORD_API_URL":     w.dc.URL(),
		"MISTRALBOT_DISCORD_GATEWAY_URL": w.dc.GatewayURL(),
		"MISTRALBOT_LLM_PROVIDER":        "openrouter",
		"OPENROUTER_API_KEY":             "sk-or-e2e",
		"MISTRALBOT_LLM_BASE_URL":        w.llm.URL(),
		"MISTRALBOT_SERVER_LISTEN":       "127.0.0.1:0",
		"MISTRALBOT_LOG_FORMAT":          "json",
		"MISTRALBOT_LOG_LEVEL":           "info",
	}
	for k, v := range store {
		env[k] = v
	}
	return env
}

// mention is alice's question to the bot in the general channel; the bot
// answers in the thread it opens on it (the thread's id is the message's).
func (w *discordWorld) mention(text string) discordtest.Message {
	return w.dc.Post(w.dc.Options().GeneralID, discordtest.Post{Author: w.alice, Content: "<@" + w.dc.Bot().ID + "> " + text})
}

// botMessages are the bot's messages in channel.
func (w *discordWorld) botMessages(channel string) []discordtest.Message {
	var out []discordtest.Message
	for _, m := range w.dc.Messages(channel) {
		if m.Author != nil && m.Author.ID == w.dc.Bot().ID {
			out = append(out, m)
		}
	}
	return out
}

// discordButton is m's button whose custom_id starts with prefix ("").
func discordButton(m discordtest.Message, prefix string) string {
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b, prefix) {
			return b
		}
	}
	return ""
}

// ephemeral waits for the interaction's ephemeral answer and returns it.
func (w *discordWorld) ephemeral(in discordtest.Interaction) string {
	w.t.Helper()
	var text string
	waitUntil(w.t, 10*time.Second, "the ephemeral answer to the click", func() bool {
		r := w.dc.InteractionResponse(in.Token)
		if r.Type != 4 || r.Original == nil || r.Original.Flags&64 == 0 {
			return false
		}
		text = r.Original.Content
		return true
	})
	return text
}

// posted counts the messages the bot created in channel (the requests
// that succeeded).
func (w *discordWorld) posted(channel string) int {
	n := 0
	for _, r := range w.dc.ContentRequests() {
		if r.Method == http.MethodPost && r.Status == http.StatusOK && strings.HasSuffix(r.Path, "/channels/"+channel+"/messages") {
			n++
		}
	}
	return n
}

// i18nAll is key in every language.
func i18nAll(key i18n.Key) []string {
	var out []string
	for _, lang := range i18n.Supported() {
		out = append(out, i18n.T(lang, key))
	}
	return out
}

func TestE2EDiscordStop(t *testing.T) {
	w := newDiscordWorld(t, llmtest.Options{Default: llmtest.Scenario{Tokens: []string{"Hello", " world"}, Fault: llmtest.Stall, FailAfter: 2}})
	startProc(t, "bot", w.env(memoryStore))
	q := w.mention("tell me a long story")
	var live discordtest.Message
	waitUntil(t, 20*time.Second, "the answer being written with its Stop button", func() bool {
		msgs := w.botMessages(q.ID)
		if len(msgs) != 1 {
			return false
		}
		live = msgs[0]
		return live.Content == "Hello world" && discordButton(live, discordStopPrefix) != ""
	})
	stop := discordButton(live, discordStopPrefix)

	// A member who did not ask and cannot manage the channel.
	if got := w.ephemeral(w.dc.ClickButton(live, "900000000000000099", "0", stop)); !containsAny(got, i18nAll(i18n.StopNotAllowed)) {
		t.Fatalf("the stranger was told %q", got)
	}
	if st := w.llm.Stats(); st.Cancelled != 0 {
		t.Fatalf("a stranger's click cancelled the request: %+v", st)
	}
	if msgs := w.botMessages(q.ID); len(msgs) != 1 || discordButton(msgs[0], discordStopPrefix) == "" {
		t.Fatalf("a stranger's click changed the answer: %+v", msgs)
	}

	click := w.dc.ClickButton(live, w.alice.ID, "0", stop)
	waitUntil(t, 10*time.Second, "the stop's deferred update", func() bool { return w.dc.InteractionResponse(click.Token).Type == 6 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !w.llm.WaitStats(ctx, func(s llmtest.Stats) bool { return s.Cancelled == 1 }) {
		t.Fatalf("the upstream request was not cancelled: %+v", w.llm.Stats())
	}
	waitUntil(t, 10*time.Second, "the stopped answer without its buttons", func() bool {
		msgs := w.botMessages(q.ID)
		return len(msgs) == 1 && strings.HasPrefix(msgs[0].Content, "Hello world\n\n") &&
			containsAny(msgs[0].Content, i18nAll(i18n.Stopped)) && len(msgs[0].Buttons()) == 0
	})
	if n := w.posted(q.ID); n != 1 {
		t.Errorf("%d messages posted in the thread, want 1", n)
	}
	if n := len(w.llm.ChatRequests()); n != 1 {
		t.Errorf("the model was asked %d times, want 1", n)
	}
}

// TestE2EDiscordRegenerate: a two-message answer is regenerated into one
// short answer: the first message edited, the second deleted, the old
// answer not sent back to the model, the interaction delivered twice
// acting once.
func TestE2EDiscordRegenerate(t *testing.T) {
	long := strings.Repeat("firstans line of the long answer, long enough.\n", 70) // two messages of 2,000 characters
	w := newDiscordWorld(t, llmtest.Options{})
	w.llm.Script(llmtest.Scenario{Times: 1, Reply: long}, llmtest.Scenario{Times: 1, Reply: "Second answer."})
	p := startProc(t, "bot", w.env(memoryStore))
	q := w.mention("tell me something")
	var parts []discordtest.Message
	waitUntil(t, 30*time.Second, "the long answer in two messages with its Regenerate button", func() bool {
		parts = w.botMessages(q.ID)
		return len(parts) == 2 && discordButton(parts[1], discordRegenPrefix) != ""
	})
	last := parts[1]
	regen := discordButton(last, discordRegenPrefix)

	if got := w.ephemeral(w.dc.ClickButton(last, "900000000000000099", "0", regen)); !containsAny(got, i18nAll(i18n.RegenerateNotAllowed)) {
		t.Fatalf("the stranger was told %q", got)
	}
	if n := len(w.llm.ChatRequests()); n != 1 {
		t.Fatalf("a stranger's click asked the model: %d requests", n)
	}

	click := w.dc.ClickButton(last, w.alice.ID, "0", regen)
	waitUntil(t, 10*time.Second, "the regenerate's deferred update", func() bool { return w.dc.InteractionResponse(click.Token).Type == 6 })
	w.dc.Dispatch("INTERACTION_CREATE", click) // delivered again
	var got []discordtest.Message
	waitUntil(t, 30*time.Second, "one regenerated answer with its Regenerate button", func() bool {
		got = w.botMessages(q.ID)
		return len(got) == 1 && got[0].Content == "Second answer." && discordButton(got[0], discordRegenPrefix) != ""
	})
	if got[0].ID != parts[0].ID {
		t.Errorf("the new answer is message %s, want the first part %s edited", got[0].ID, parts[0].ID)
	}
	waitUntil(t, 10*time.Second, "the second delivery to be ignored", func() bool {
		return p.countLines("discord: replayed interaction ignored") == 1
	})
	reqs := w.llm.ChatRequests()
	if len(reqs) != 2 {
		t.Fatalf("the model was asked %d times, want 2", len(reqs))
	}
	for _, m := range reqs[1].Messages {
		if strings.Contains(m.Content, "firstans") {
			t.Errorf("the old answer went back to the model: %.80q", m.Content)
		}
	}
	if q := reqs[1].Messages[len(reqs[1].Messages)-1]; q.Role != "user" || !strings.Contains(q.Content, "tell me something") {
		t.Errorf("the second request ends with %+v, want the question", q)
	}
	if n := w.posted(q.ID); n != 2 {
		t.Errorf("%d messages posted in the thread, want the first answer's 2 and no more", n)
	}
}

// TestE2EDiscordFeedbackSurvivesSIGKILL: a 👍 on an answer, the process
// killed (bbolt commits are on disk when Update returns), a new process on
// the same file answers /usage of a member with Manage Channels with the
// vote.
func TestE2EDiscordFeedbackSurvivesSIGKILL(t *testing.T) {
	w := newDiscordWorld(t, llmtest.Options{Default: llmtest.Scenario{Reply: "All done here."}})
	env := w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "bolt", "MISTRALBOT_STORE_PATH": filepath.Join(t.TempDir(), "bot.db")})
	maps.Copy(env, replicaEnv("discord-votes"))
	first := startProc(t, "first", env)
	q := w.mention("hi")
	var answer discordtest.Message
	waitUntil(t, 20*time.Second, "the answer with its 👍 button", func() bool {
		msgs := w.botMessages(q.ID)
		if len(msgs) != 1 {
			return false
		}
		answer = msgs[0]
		return answer.Content == "All done here." && discordButton(answer, discordFeedbackPrefix+"up:") != ""
	})
	if got := w.ephemeral(w.dc.ClickButton(answer, w.alice.ID, "0", discordButton(answer, discordFeedbackPrefix+"up:"))); !containsAny(got, i18nAll(i18n.FeedbackThanks)) {
		t.Fatalf("the voter was told %q", got)
	}
	first.signal(syscall.SIGKILL)
	first.wait(10 * time.Second)

	startProc(t, "second", env)
	admin := discordtest.Invoker{User: w.alice, ChannelID: w.dc.Options().GeneralID, GuildID: w.dc.Options().GuildID,
		Permissions: strconv.Itoa(1 << 4)} // Manage Channels
	usage := w.dc.Interact(w.dc.SlashCommand(admin, "usage"))
	votes := feedbackTexts(func(s string) string { return s })
	var got string
	waitUntil(t, 15*time.Second, "/usage to show the vote", func() bool {
		r := w.dc.InteractionResponse(usage.Token)
		got = string(r.Data)
		if r.Original != nil {
			got += r.Original.Content
		}
		for _, f := range r.Followups {
			got += f.Content
		}
		return containsAny(got, votes)
	})
}

// TestE2EDiscordRegenerateCommand: a slash command's answer (the
// interaction's original response) shows 👍 / 👎 and Regenerate; once the
// command's token has expired, the asker's click still rewrites the
// original response in place with the same command asked again.
func TestE2EDiscordRegenerateCommand(t *testing.T) {
	w := newDiscordWorld(t, llmtest.Options{})
	w.llm.Script(llmtest.Scenario{Times: 1, Reply: "Use slices.Reverse."}, llmtest.Scenario{Times: 1, Reply: "Reverse it in place."})
	p := startProc(t, "bot", w.env(memoryStore))
	general := w.dc.Options().GeneralID
	waitUntil(t, 20*time.Second, "the gateway session", func() bool { return p.countLines("discord: ready") > 0 })
	in := w.dc.Interact(w.dc.SlashCommand(discordtest.Invoker{User: w.alice, ChannelID: general, GuildID: w.dc.Options().GuildID}, "code",
		discordtest.Option{Name: "question", Type: 3, Value: "reverse a slice"}, discordtest.Option{Name: "language", Type: 3, Value: "go"}))
	var first discordtest.Message
	waitUntil(t, 30*time.Second, "the command's answer with its Regenerate button", func() bool {
		o := w.dc.InteractionResponse(in.Token).Original
		if o == nil || o.Content != "Use slices.Reverse." || discordButton(*o, discordRegenPrefix) == "" {
			return false
		}
		first = *o
		return discordButton(first, discordFeedbackPrefix) != ""
	})
	w.dc.ExpireInteraction(in.Token)
	click := w.dc.ClickButton(first, w.alice.ID, "0", discordButton(first, discordRegenPrefix))
	waitUntil(t, 10*time.Second, "the regenerate's deferred update", func() bool { return w.dc.InteractionResponse(click.Token).Type == 6 })
	var got []discordtest.Message
	waitUntil(t, 30*time.Second, "one regenerated answer with its Regenerate button", func() bool {
		got = w.botMessages(general)
		return len(got) == 1 && got[0].Content == "Reverse it in place." && discordButton(got[0], discordRegenPrefix) != ""
	})
	if got[0].ID != first.ID {
		t.Errorf("the new answer is message %s, want the original response %s edited", got[0].ID, first.ID)
	}
	reqs := w.llm.ChatRequests()
	if len(reqs) != 2 || len(reqs[0].Messages) != len(reqs[1].Messages) {
		t.Fatalf("the model was asked %d times (want 2), the same messages?", len(reqs))
	}
	for i := range reqs[0].Messages {
		if reqs[0].Messages[i].Content != reqs[1].Messages[i].Content {
			t.Errorf("message %d asked again as %.80q, first %.80q", i, reqs[1].Messages[i].Content, reqs[0].Messages[i].Content)
		}
	}
}
