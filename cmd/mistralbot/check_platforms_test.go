package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// allScopes are the bot scopes of the default manifest (socket mode, flag
// reactions on), as Slack lists them in X-OAuth-Scopes.
const allScopes = "app_mentions:read, assistant:write, channels:history, chat:write, commands, files:read, groups:history, im:history, mpim:history, users:read, reactions:read"

// checkWorld is fakeslack behind an edge that adds X-OAuth-Scopes (Slack
// sends it on every Web API answer; the fake does not), and discordtest
// behind an edge that also serves GET /applications/@me.
type checkWorld struct {
	slack    *fakeslack.Server
	discord  *discordtest.Server
	scopes   atomic.Pointer[string] // nil: no header
	appFlags atomic.Int64
	slackURL string
	discURL  string
}

func newCheckWorld(t *testing.T) *checkWorld {
	t.Helper()
	w := &checkWorld{slack: fakeslack.New(fakeslack.Options{}), discord: discordtest.New(discordtest.Options{Token: testDiscordToken})}
	t.Cleanup(w.slack.Close)
	t.Cleanup(w.discord.Close)
	sc := allScopes
	w.scopes.Store(&sc)
	w.appFlags.Store(discordGatewayMessageContentLimited | 1<<23)

	su, _ := url.Parse(strings.TrimSuffix(w.slack.APIURL(), "/api/"))
	sp := httputil.NewSingleHostReverseProxy(su)
	sp.ModifyResponse = func(r *http.Response) error {
		if s := w.scopes.Load(); s != nil {
			r.Header.Set("X-OAuth-Scopes", *s)
		}
		return nil
	}
	slackEdge := httptest.NewServer(sp)
	t.Cleanup(slackEdge.Close)
	w.slackURL = slackEdge.URL + "/api/"

	du, _ := url.Parse(w.discord.URL())
	dp := httputil.NewSingleHostReverseProxy(du)
	discordEdge := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/applications/@me") {
			if r.Header.Get("Authorization") != "Bot "+testDiscordToken {
				rw.Header().Set("Content-Type", "application/json")
				rw.WriteHeader(http.StatusUnauthorized)
				rw.Write([]byte(`{"message": "401: Unauthorized", "code": 0}`))
				return
			}
			// The application object:
			// https://discord.com/developers/docs/resources/application#application-object
			json.NewEncoder(rw).Encode(map[string]any{"id": w.discord.Options().AppID, "name": "mistralbot",
				"flags": w.appFlags.Load(), "bot_public": true, "description": ""})
			return
		}
		dp.ServeHTTP(rw, r)
	}))
	t.Cleanup(discordEdge.Close)
	w.discURL = discordEdge.URL + "/api/v9/"
	return w
}

// testDiscordToken has Discord's token shape (validation checks it).
const testDiscordToken = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GfAkE1.bm90LWEtcmVhbC1obWFjLWF0LWFsbC0wMA"

// TestCheckVerifiesWhatRunNeeds: check calls the platforms with the
// configured tokens. Each bad token, missing scope or missing intent is
// its own FAIL line with the reason, and the exit code is 0 only when all
// pass. (check used to say "ok slack" for SLACK_BOT_TOKEN=bad.)
func TestCheckVerifiesWhatRunNeeds(t *testing.T) {
	var w *checkWorld
	llm := llmtest.New(llmtest.Options{Dialect: llmtest.OpenRouter})
	defer llm.Close()
	base := func() map[string]string {
		return map[string]string{
			"OPENROUTER_API_KEY": "sk-or-x", "MISTRALBOT_LLM_BASE_URL": llm.URL(), "MISTRALBOT_STORE_DRIVER": "memory",
			"MISTRALBOT_SLACK_ENABLED": "true", "MISTRALBOT_SLACK_MODE": "socket", "MISTRALBOT_SLACK_API_URL": w.slackURL,
			"SLACK_BOT_TOKEN": fakeslack.DefaultBotToken, "SLACK_APP_TOKEN": fakeslack.DefaultAppToken,
			"MISTRALBOT_DISCORD_ENABLED": "true", "MISTRALBOT_DISCORD_API_URL": w.discURL, "DISCORD_BOT_TOKEN": testDiscordToken,
		}
	}
	cases := []struct {
		name   string
		env    map[string]string
		scopes *string
		flags  int64
		code   int
		want   []string
	}{
		{"all good", nil, nil, 0, 0, []string{
			"ok   slack: bot token valid: mistralbot", "ok   slack: every scope of the manifest is granted",
			"ok   slack: app token opens Socket Mode connections", "ok   discord: bot token valid",
			"ok   discord: application mistralbot has the Message Content intent", "everything enabled is usable"}},
		{"slack bot token refused", map[string]string{"SLACK_BOT_TOKEN": "xoxb-revoked-token"}, nil, 0, exitFailure,
			[]string{"FAIL slack: auth.test refused the bot token: invalid_auth"}},
		{"slack app token refused", map[string]string{"SLACK_APP_TOKEN": "xapp-1-revoked"}, nil, 0, exitFailure,
			[]string{"ok   slack: bot token valid", "FAIL slack: apps.connections.open refused the app token: invalid_auth"}},
		{"slack scopes missing", nil, ptrTo("app_mentions:read, channels:history, users:read"), 0, exitFailure,
			[]string{"FAIL slack: the bot token lacks scopes assistant:write, chat:write, commands, files:read, groups:history, im:history, mpim:history, reactions:read"}},
		{"slack http mode skips the app token", map[string]string{"MISTRALBOT_SLACK_MODE": "http", "SLACK_SIGNING_SECRET": "0123456789abcdef", "SLACK_APP_TOKEN": ""}, nil, 0, 0,
			[]string{"ok   slack: every scope of the manifest is granted"}},
		{"discord token refused", map[string]string{"DISCORD_BOT_TOKEN": "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GfAkE1.d3JvbmctaG1hYw"}, nil, 0, exitFailure,
			[]string{"FAIL discord: Discord refused the bot token (401)"}},
		{"discord message content intent off", nil, nil, 1 << 23, exitFailure,
			[]string{"FAIL discord: the Message Content intent of application mistralbot is off"}},
		{"discord application id of another app", map[string]string{"DISCORD_APPLICATION_ID": "1200000000000000009"}, nil, 0, exitFailure,
			[]string{"FAIL discord: discord.application_id is 1200000000000000009 but the token belongs to application"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A fresh Slack each time: apps.connections.open is Tier 1.
			w = newCheckWorld(t)
			env := base()
			for k, v := range c.env {
				env[k] = v
			}
			sc := allScopes
			if c.scopes != nil {
				sc = *c.scopes
			}
			w.scopes.Store(&sc)
			w.appFlags.Store(discordGatewayMessageContentLimited)
			if c.flags != 0 {
				w.appFlags.Store(c.flags)
			}
			code, out, errOut := runCmd(t, env, "", "--config", noFile(t), "check")
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s\n%s", code, c.code, out, errOut)
			}
			for _, want := range c.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if c.code != 0 && strings.Contains(out, "everything enabled is usable") {
				t.Errorf("check claims success:\n%s", out)
			}
			for _, secret := range []string{"xoxb-revoked-token", "xapp-1-revoked", "d3JvbmctaG1hYw", fakeslack.DefaultBotToken} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("check printed the token %q", secret)
				}
			}
		})
	}
	// No X-OAuth-Scopes header (a proxy stripped it): a note, not a pass.
	w = newCheckWorld(t)
	w.scopes.Store(nil)
	w.appFlags.Store(discordGatewayMessageContent)
	code, out, _ := runCmd(t, base(), "", "--config", noFile(t), "check")
	if code != 0 || !strings.Contains(out, "note slack: the API did not report the token's scopes") {
		t.Errorf("no scopes header: exit %d\n%s", code, out)
	}
}

func ptrTo[T any](v T) *T { return &v }
