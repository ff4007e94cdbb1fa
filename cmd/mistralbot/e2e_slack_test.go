package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/slack"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// e2eWorld is the outside world of the end-to-end tests: a fake Slack and
// a fake LLM on loopback.
type e2eWorld struct {
	t      *testing.T
	slack  *fakeslack.Server
	llm    *llmtest.Server
	client *http.Client
}

// newWorld starts fakeslack (real tier limits) and an OpenRouter-dialect
// llmtest that requires the API key the processes are given.
func newWorld(t *testing.T, lo llmtest.Options) *e2eWorld {
	t.Helper()
	lo.Dialect = llmtest.OpenRouter
	lo.APIKey = "sk-or-e2e"
	w := &e2eWorld{t: t, slack: fakeslack.New(fakeslack.Options{}), llm: llmtest.New(lo)}
	transport := &http.Transport{}
	w.client = &http.Client{Transport: transport, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		w.llm.Close()
		w.slack.Close()
	})
	return w
}

// env is the environment of a mistralbot process served by this world:
// Slack over HTTP, the fake LLM, listening on a loopback port the kernel
// picks, JSON logs. store holds the store.* variables.
func (w *e2eWorld) env(store map[string]string) map[string]string {
	fo := w.slack.Options()
	env := map[string]string{
		"MISTRALBOT_SLACK_ENABLED":          "true",
		"MISTRALBOT_SLACK_MODE":             "http",
		"SLACK_BOT_TOKEN":                   fo.BotToken,
		"SLACK_SIGNING_SECRET":              fo.SigningSecret,
		"MISTRALBOT_SLACK_API_URL":          w.slack.APIURL(),
		"MISTRALBOT_SLACK_NATIVE_STREAMING": "false",
		"MISTRALBOT_LLM_PROVIDER":           "openrouter",
		"OPENROUTER_API_KEY":                "sk-or-e2e",
		"MISTRALBOT_LLM_BASE_URL":           w.llm.URL(),
		"MISTRALBOT_SERVER_LISTEN":          "127.0.0.1:0",
		"MISTRALBOT_LOG_FORMAT":             "json",
		"MISTRALBOT_LOG_LEVEL":              "info",
		// These tests ask many questions as one fake user, faster than a
		// person: the per-user limits (on by default) are tested in bots.
		"MISTRALBOT_BOT_RATE_PER_USER":        "0",
		"MISTRALBOT_BOT_MAX_PENDING_PER_USER": "0",
	}
	for k, v := range store {
		env[k] = v
	}
	return env
}

// mention posts a person's message mentioning the bot at the top level of
// channel in the fake, and returns it with its app_mention and message
// event bodies (Slack sends both for one mention).
func (w *e2eWorld) mention(channel, user, text, eventID string) (m fakeslack.Message, appMention, message []byte) {
	m = w.slack.PostUserMessage(channel, "", user, "<@"+w.slack.Options().BotUserID+"> "+text)
	appMention = w.slack.EventCallback(eventID+"a", w.slack.MessageEvent(m, fakeslack.AppMention))
	message = w.slack.EventCallback(eventID+"m", w.slack.MessageEvent(m, fakeslack.MessageEv))
	return m, appMention, message
}

// deliver POSTs a signed event body to p's /slack/events; retry > 0 sets
// X-Slack-Retry-Num. Slack must get 200.
func (w *e2eWorld) deliver(p *proc, body []byte, retry int) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := fakeslack.Delivery{Body: body, RetryNum: retry}
	if retry > 0 {
		d.RetryReason = "http_timeout"
	}
	status, resp, err := w.slack.Deliver(ctx, w.client, p.url()+"/slack/events", d)
	if err != nil {
		w.t.Errorf("deliver to %s: %v", p.name, err)
		return
	}
	if status != http.StatusOK {
		w.t.Errorf("%s /slack/events answered %d %q", p.name, status, resp)
	}
}

// replyText is what the fake shows for a plain Markdown answer.
func replyText(md string) string { return slack.Mrkdwn(md) }

// botReplies returns the bot's messages in the thread of ts.
func (w *e2eWorld) botReplies(channel, ts string) []fakeslack.Message {
	return w.slack.BotReplies(channel, ts)
}

// postsIn counts chat.postMessage calls that succeeded in the thread.
func (w *e2eWorld) postsIn(channel, thread string) int {
	n := 0
	for _, c := range w.slack.CallsTo("chat.postMessage") {
		if c.Status == http.StatusOK && c.Error == "" && c.Params.Get("channel") == channel && c.Params.Get("thread_ts") == thread {
			n++
		}
	}
	return n
}

// words returns an answer of n words, "w1 w2 ... wn.", which llmtest
// streams one word per chunk.
func words(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(prefix)
		b.WriteString(strings.Repeat("x", i%3+1))
	}
	b.WriteByte('.')
	return b.String()
}
