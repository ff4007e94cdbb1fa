package slack

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// longAnswer returns a Markdown answer of about n characters with prose
// and code blocks.
func longAnswer(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "Paragraph %d explains the next step in some detail, with enough words to fill a line or two of text.\n\n", i)
		if i%4 == 3 {
			fmt.Fprintf(&b, "```go\nfunc step%d(x int) int {\n\tif x < %d && x > 0 {\n\t\treturn x * %d\n\t}\n\treturn 0\n}\n```\n\n", i, i, i)
		}
	}
	return strings.TrimSpace(b.String())
}

func TestManyMentionsAtOnceRespectLimits(t *testing.T) {
	run := func(t *testing.T, mode string, force bool) {
		reply := longAnswer(1200)
		h := newHarness(t, harnessOptions{mode: mode,
			llm: llmtest.Options{Default: llmtest.Scenario{Reply: reply}, Delay: 5 * time.Millisecond}})
		if force {
			h.fake.Force429("chat.update", 6, time.Second)
			h.fake.Force429("chat.postMessage", 3, time.Second)
		}
		channels := []string{"C0A", "C0B", "C0C", "C0D"}
		var msgs []fakeslack.Message
		for i := range 20 {
			msgs = append(msgs, h.fake.PostUserMessage(channels[i%4], "", "U0ALICE", fmt.Sprintf("<@U0BOT> question %d", i)))
		}
		var wg sync.WaitGroup
		for _, m := range msgs {
			wg.Go(func() {
				h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(m, fakeslack.AppMention)), 0)
			})
		}
		wg.Wait()
		want := Mrkdwn(reply)
		for _, m := range msgs {
			h.waitReplyText(m.Channel, m.TS, want)
		}
		limited := h.fake.RateLimited()
		if !force && limited != 0 {
			t.Errorf("%d calls got 429 under the default pacing", limited)
		}
		if force && limited < 9 {
			t.Errorf("only %d forced 429s happened", limited)
		}
		for _, m := range msgs {
			if n := len(h.replies(m.Channel, m.TS)); n != 1 {
				t.Errorf("%s/%s: %d replies", m.Channel, m.TS, n)
			}
		}
	}
	forModes(t, func(t *testing.T, mode string) {
		t.Run("default pacing", func(t *testing.T) { run(t, mode, false) })
		t.Run("forced 429", func(t *testing.T) { run(t, mode, true) })
	})
}

func TestEditsPacedPerReply(t *testing.T) {
	h := newHarness(t, harnessOptions{llm: llmtest.Options{Default: llmtest.Scenario{Reply: longAnswer(700)}, Delay: 20 * time.Millisecond}})
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> slow answer please")
	h.waitReplyText("C0GENERAL", m.TS, Mrkdwn(longAnswer(700)))
	var last time.Time
	n := 0
	for _, c := range h.fake.CallsTo("chat.update") {
		if !last.IsZero() && c.At.Sub(last) < 900*time.Millisecond {
			t.Errorf("two chat.update calls %v apart", c.At.Sub(last))
		}
		last = c.At
		n++
	}
	if n < 2 {
		t.Errorf("only %d edits for a multi-second answer", n)
	}
}

func TestSignatureAndMalformedRequests(t *testing.T) {
	h := newHarness(t, harnessOptions{mode: ModeHTTP})
	m := h.fake.PostUserMessage("C0GENERAL", "", "U0ALICE", "<@U0BOT> forged")
	body := h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(m, fakeslack.AppMention))
	ctx := context.Background()
	post := func(path string, d fakeslack.Delivery) int {
		t.Helper()
		status, _, err := h.fake.Deliver(ctx, h.client, h.app.URL+path, d)
		if err != nil {
			t.Fatal(err)
		}
		return status
	}
	cmd := []byte(h.fake.SlashCommand("/ask", "forged", "C0GENERAL", "U0ALICE").Encode())
	for name, d := range map[string]fakeslack.Delivery{
		"bad signature":   {Body: body, BadSignature: true},
		"stale timestamp": {Body: body, Timestamp: time.Now().Add(-6 * time.Minute)},
		"future":          {Body: body, Timestamp: time.Now().Add(6 * time.Minute)},
	} {
		if s := post("/slack/events", d); s != http.StatusUnauthorized {
			t.Errorf("%s: events answered %d, want 401", name, s)
		}
		d.Body, d.ContentType = cmd, "application/x-www-form-urlencoded"
		if s := post("/slack/commands", d); s != http.StatusUnauthorized {
			t.Errorf("%s: commands answered %d, want 401", name, s)
		}
	}
	// No signature headers at all.
	resp, err := h.client.Post(h.app.URL+"/slack/events", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned request answered %d", resp.StatusCode)
	}
	for name, d := range map[string]struct {
		path string
		d    fakeslack.Delivery
	}{
		"events not json":     {"/slack/events", fakeslack.Delivery{Body: []byte(`{"type":"event_callback","event":`)}},
		"events no event":     {"/slack/events", fakeslack.Delivery{Body: []byte(`{"type":"event_callback"}`)}},
		"command incomplete":  {"/slack/commands", fakeslack.Delivery{Body: []byte("command=%2Fask"), ContentType: "application/x-www-form-urlencoded"}},
		"interaction garbage": {"/slack/interactions", fakeslack.Delivery{Body: []byte("payload=%7Bnope"), ContentType: "application/x-www-form-urlencoded"}},
	} {
		if s := post(d.path, d.d); s != http.StatusBadRequest {
			t.Errorf("%s answered %d, want 400", name, s)
		}
	}
	// url_verification is answered with the challenge.
	status, got, err := h.fake.Deliver(ctx, h.client, h.app.URL+"/slack/events",
		fakeslack.Delivery{Body: []byte(`{"token":"x","challenge":"3eZbrw1aB","type":"url_verification"}`)})
	if err != nil || status != http.StatusOK || !strings.Contains(got, `"challenge":"3eZbrw1aB"`) {
		t.Errorf("url_verification: %d %q %v", status, got, err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(h.llm.Requests()); n != 0 {
		t.Errorf("refused requests reached the model %d times", n)
	}
	for _, c := range h.fake.Calls() {
		if c.Method != "auth.test" {
			t.Errorf("refused requests caused a %s call", c.Method)
		}
	}
	if h.events.Load() != 3*2+1 {
		t.Errorf("hooks counted %d events, want 7 refusals", h.events.Load())
	}
}

func TestModelOutputIsEscaped(t *testing.T) {
	evil := "Sure <!channel> and <!here|here>, ping <@U123> and <!subteam^S1>: see <https://evil.example|click> & `a<b`"
	for _, native := range []bool{false, true} {
		t.Run(fmt.Sprintf("native=%v", native), func(t *testing.T) {
			h := newHarness(t, harnessOptions{native: native,
				llm: llmtest.Options{Default: llmtest.Scenario{Reply: evil}, Delay: 10 * time.Millisecond}})
			m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> say something nasty")
			want := Mrkdwn(evil)
			if native {
				want = neutralizeMarkdown(evil)
			}
			got := h.waitReplyText("C0GENERAL", m.TS, want)
			if p := h.fake.Pings(); len(p) != 0 {
				t.Errorf("model output notified people: %+v", p)
			}
			if !native && !strings.Contains(got[0].Text, "&lt;!channel&gt;") {
				t.Errorf("text not escaped: %q", got[0].Text)
			}
			if native && got[0].Markdown == "" {
				t.Error("native streaming was not used")
			}
		})
	}
}

func TestLongAnswerSplitWithBalancedFences(t *testing.T) {
	reply := longAnswer(9000)
	for _, native := range []bool{false, true} {
		t.Run(fmt.Sprintf("native=%v", native), func(t *testing.T) {
			h := newHarness(t, harnessOptions{native: native,
				llm: llmtest.Options{Default: llmtest.Scenario{Reply: reply}, Delay: time.Millisecond}})
			m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> write a lot")
			var got []fakeslack.Message
			h.waitFor("the whole long answer", func() bool {
				got = h.replies("C0GENERAL", m.TS)
				return !streaming(got) && containsAll(plain(got), reply)
			})
			limit := fakeslack.MaxUpdateText
			if native {
				limit = fakeslack.MaxMarkdownText
			}
			if !native && len(got) < 3 {
				t.Errorf("9,000 characters in %d messages", len(got))
			}
			for i, msg := range got {
				if n := len([]rune(msg.Body())); n > limit {
					t.Errorf("message %d has %d characters", i, n)
				}
				if fences := strings.Count("\n"+msg.Body(), "\n```"); fences%2 != 0 {
					t.Errorf("message %d has unbalanced fences:\n%s", i, msg.Body())
				}
			}
		})
	}
}

// plain joins the bodies of msgs, unescaped, without the fence lines a
// split re-opens.
func plain(msgs []fakeslack.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(unescaper.Replace(strings.ReplaceAll(m.Body(), "<"+zwsp, "<")))
		b.WriteString("\n")
	}
	return b.String()
}

// containsAll reports whether every non-fence line of md appears in got
// in order (the converter changes fences and emphasis, not these lines).
func containsAll(got, md string) bool {
	pos := 0
	for _, line := range strings.Split(md, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "```") {
			continue
		}
		i := strings.Index(got[pos:], line)
		if i < 0 {
			return false
		}
		pos += i + len(line)
	}
	return true
}

func TestLLMFailureMidStreamKeepsPartialText(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode, llm: llmtest.Options{Default: llmtest.Scenario{
			Reply: "Voici le début de la réponse, qui sera coupée net au milieu.", Fault: llmtest.MidStreamError, FailAfter: 5}}})
		h.fake.AddUser(fakeslack.User{ID: "U0FR", Name: "fr", DisplayName: "Zoé", Locale: "fr-FR"})
		m := h.say("C0GENERAL", "", "U0FR", "<@U0BOT> réponds-moi")
		// The French catalog's cut-off notice, as the engine words it.
		notice := strings.Trim(strings.SplitN(i18n.T("fr", i18n.CutOff, ""), "_", 3)[1], " ")
		var got []fakeslack.Message
		h.waitFor("the cut-off notice", func() bool {
			got = h.replies("C0GENERAL", m.TS)
			return len(got) == 1 && strings.Contains(got[0].Text, notice)
		})
		if text := got[0].Text; !strings.HasPrefix(text, "Voici le début de") {
			t.Errorf("partial text lost: %q", text)
		}
	})
}
