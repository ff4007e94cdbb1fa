package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"mistralbot/bots/slack"
	"mistralbot/config"
)

// checkTimeout bounds each platform call of check.
const checkTimeout = 15 * time.Second

// checkSlack calls what run will need with the configured tokens:
// auth.test with the bot token (and the scopes it was granted against the
// manifest's), apps.connections.open with the app token in socket mode.
func checkSlack(ctx context.Context, cfg *config.Config, client *http.Client, c *checker) {
	say := c.say
	s := cfg.Slack
	var auth struct {
		OK     bool   `json:"ok"`
		Error  string `json:"error"`
		Team   string `json:"team"`
		TeamID string `json:"team_id"`
		User   string `json:"user"`
	}
	hdr, err := slackCall(ctx, client, s.APIURL, "auth.test", s.BotToken, &auth)
	switch {
	case err != nil:
		say(false, "slack: auth.test at %s: %v", s.APIURL, err)
		return
	case !auth.OK:
		say(false, "slack: auth.test refused the bot token: %s (set %s to the Bot User OAuth Token of OAuth & Permissions)",
			auth.Error, strings.Join(config.EnvNames("slack.bot_token"), " or "))
		return
	}
	say(true, "slack: bot token valid: %s in workspace %q", auth.User, auth.Team)
	if s.TeamID != "" {
		// run refuses to start on a mismatch (slack adapter, team.go).
		say(auth.TeamID == s.TeamID, "slack: slack.team_id %s, the bot token's workspace is %s", s.TeamID, auth.TeamID)
	}

	// Every Web API answer lists the token's scopes in X-OAuth-Scopes
	// ("chat:write, commands"): https://api.slack.com/legacy/oauth-scopes#working-with-scopes,
	// https://github.com/slack-go/slack/issues/1076, https://github.com/zulip/zulip/pull/16788.
	if granted, reported := hdr["X-Oauth-Scopes"]; !reported {
		c.note("slack: the API did not report the token's scopes (X-OAuth-Scopes); not verified")
	} else {
		have := map[string]bool{}
		for _, sc := range strings.Split(strings.Join(granted, ","), ",") {
			have[strings.TrimSpace(sc)] = true
		}
		var missing []string
		for _, sc := range manifestBotScopes(cfg) {
			if !have[sc] {
				missing = append(missing, sc)
			}
		}
		if len(missing) > 0 {
			say(false, "slack: the bot token lacks scopes %s (add them under OAuth & Permissions, or recreate the app from `mistralbot manifest slack`, then reinstall it)",
				strings.Join(missing, ", "))
		} else {
			say(true, "slack: every scope of the manifest is granted")
		}
	}

	if s.Mode != config.SlackSocket {
		return
	}
	var conn struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if _, err := slackCall(ctx, client, s.APIURL, "apps.connections.open", s.AppToken, &conn); err != nil {
		say(false, "slack: apps.connections.open at %s: %v", s.APIURL, err)
	} else if !conn.OK {
		say(false, "slack: apps.connections.open refused the app token: %s (set %s to an app-level token with connections:write, Basic Information > App-Level Tokens)",
			conn.Error, strings.Join(config.EnvNames("slack.app_token"), " or "))
	} else {
		say(true, "slack: app token opens Socket Mode connections")
	}
}

// slackCall POSTs a Web API method with a bearer token and decodes its
// JSON answer into out; it returns the response headers.
func slackCall(ctx context.Context, client *http.Client, apiURL, method, token string, out any) (http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(apiURL, "/")+"/"+method, strings.NewReader(url.Values{}.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		// apps.connections.open is Tier 1 (about 1 a minute):
		// https://docs.slack.dev/reference/methods/apps.connections.open
		return resp.Header, fmt.Errorf("rate limited by Slack (Retry-After %s s): run check again later", resp.Header.Get("Retry-After"))
	case resp.StatusCode != http.StatusOK:
		return resp.Header, fmt.Errorf("HTTP %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return resp.Header, fmt.Errorf("unreadable answer: %w", err)
	}
	return resp.Header, nil
}

// manifestBotScopes are the bot scopes of the manifest `mistralbot
// manifest slack` prints for this configuration.
func manifestBotScopes(cfg *config.Config) []string {
	m := slack.Manifest(slack.ManifestOptions{Mode: cfg.Slack.Mode, URL: "https://mistralbot.invalid",
		CommandPrefix: cfg.Slack.CommandPrefix, TranslateReactions: cfg.Bot.TranslateReactions})
	var scopes []string
	in := false
	for _, line := range strings.Split(m, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "bot:" && strings.HasPrefix(line, "    bot:"):
			in = true
		case in && strings.HasPrefix(trimmed, "- "):
			sc, _, _ := strings.Cut(strings.TrimPrefix(trimmed, "- "), "#")
			scopes = append(scopes, strings.TrimSpace(sc))
		case in:
			in = false
		}
	}
	slices.Sort(scopes)
	return scopes
}

// Application flags of the message-content intent: granted for a
// verified bot (1 << 18) or, in fewer than 100 servers, enabled in the
// Developer Portal (1 << 19)
// (https://discord.com/developers/docs/resources/application#application-object-application-flags).
const (
	discordGatewayMessageContent        = 1 << 18
	discordGatewayMessageContentLimited = 1 << 19
)

// checkDiscord calls GET /users/@me and GET /applications/@me with the
// bot token: the token is accepted, the application is the configured one
// and its message-content intent is on (without it the gateway closes
// with 4014 and thread follow-ups arrive empty).
func checkDiscord(ctx context.Context, cfg *config.Config, client *http.Client, c *checker) {
	say := c.say
	d := cfg.Discord
	var me struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Bot      bool   `json:"bot"`
	}
	if status, err := discordGet(ctx, client, d.APIURL, "users/@me", d.Token, &me); err != nil {
		if status == http.StatusUnauthorized {
			say(false, "discord: Discord refused the bot token (401): set %s to the token of Developer Portal > Bot > Reset Token",
				strings.Join(config.EnvNames("discord.token"), " or "))
		} else {
			say(false, "discord: GET users/@me at %s: %v", d.APIURL, err)
		}
		return
	}
	if !me.Bot {
		say(false, "discord: the token is not a bot's (user %s): use the token of Developer Portal > Bot", me.Username)
		return
	}
	say(true, "discord: bot token valid: %s (%s)", me.Username, me.ID)

	var app struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Flags int64  `json:"flags"`
	}
	if _, err := discordGet(ctx, client, d.APIURL, "applications/@me", d.Token, &app); err != nil {
		say(false, "discord: GET applications/@me at %s: %v", d.APIURL, err)
		return
	}
	if d.ApplicationID != "" && app.ID != d.ApplicationID {
		say(false, "discord: discord.application_id is %s but the token belongs to application %s (%s)", d.ApplicationID, app.ID, app.Name)
	}
	if app.Flags&(discordGatewayMessageContent|discordGatewayMessageContentLimited) == 0 {
		say(false, "discord: the Message Content intent of application %s is off: enable it under Developer Portal > Bot > Privileged Gateway Intents (the gateway refuses the bot with 4014 otherwise)", app.Name)
		return
	}
	say(true, "discord: application %s has the Message Content intent", app.Name)
}

// discordGet GETs a REST route with the bot token and decodes its JSON
// answer into out; it returns the HTTP status.
func discordGet(ctx context.Context, client *http.Client, apiURL, route, token string, out any) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(apiURL, "/")+"/"+route, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bot "+strings.TrimPrefix(strings.TrimSpace(token), "Bot "))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("HTTP %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("unreadable answer: %w", err)
	}
	return resp.StatusCode, nil
}
