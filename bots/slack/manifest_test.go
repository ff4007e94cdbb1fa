package slack

import (
	"slices"
	"testing"

	slackgo "github.com/slack-go/slack"
	"go.yaml.in/yaml/v3"

	"mistralbot/bots/slack/fakeslack"
)

func parseManifest(t *testing.T, opts ManifestOptions) slackgo.Manifest {
	t.Helper()
	var m slackgo.Manifest
	if err := yaml.Unmarshal([]byte(Manifest(opts)), &m); err != nil {
		t.Fatalf("manifest is not valid YAML: %v\n%s", err, Manifest(opts))
	}
	return m
}

func TestManifestSocket(t *testing.T) {
	m := parseManifest(t, ManifestOptions{Name: "Mistral", CommandPrefix: "mb-"})
	wantScopes := []string{"app_mentions:read", "assistant:write", "channels:history", "chat:write", "commands",
		"files:read", "groups:history", "im:history", "mpim:history", "users:read"}
	got := slices.Sorted(slices.Values(m.OAuthConfig.Scopes.Bot))
	if !slices.Equal(got, wantScopes) {
		t.Errorf("bot scopes = %v, want exactly %v", got, wantScopes)
	}
	wantEvents := []string{"app_home_opened", "app_mention", "assistant_thread_context_changed", "assistant_thread_started",
		"message.channels", "message.groups", "message.im", "message.mpim"}
	if m.Settings.EventSubscriptions == nil {
		t.Fatal("no event subscriptions")
	}
	if got := slices.Sorted(slices.Values(m.Settings.EventSubscriptions.BotEvents)); !slices.Equal(got, wantEvents) {
		t.Errorf("bot events = %v, want %v", got, wantEvents)
	}
	if !m.Settings.SocketModeEnabled || m.Settings.EventSubscriptions.RequestUrl != "" {
		t.Errorf("socket mode: socket_mode_enabled=%v request_url=%q", m.Settings.SocketModeEnabled, m.Settings.EventSubscriptions.RequestUrl)
	}
	if m.Settings.OrgDeployEnabled {
		t.Error("org_deploy_enabled must be false")
	}
	if m.Settings.Interactivity == nil || !m.Settings.Interactivity.IsEnabled {
		t.Error("interactivity must be enabled for the shortcut")
	}
	var cmds []string
	for _, c := range m.Features.SlashCommands {
		cmds = append(cmds, c.Command)
		if c.Url != "" {
			t.Errorf("socket mode command %s has a url", c.Command)
		}
		if c.Description == "" {
			t.Errorf("command %s has no description", c.Command)
		}
	}
	want := []string{"/mb-ask", "/mb-code", "/mb-explain", "/mb-review", "/mb-translate", "/mb-lang", "/mb-prompt", "/mb-usage", "/mb-help", "/mb-summarize", "/mb-digest"}
	if !slices.Equal(cmds, want) {
		t.Errorf("commands = %v, want %v", cmds, want)
	}
	if len(m.Features.Shortcuts) != 2 || m.Features.Shortcuts[0].CallbackID != ExplainCodeCallbackID ||
		m.Features.Shortcuts[1].CallbackID != SummarizeThreadCallbackID ||
		m.Features.Shortcuts[0].Type != slackgo.MessageShortcut || m.Features.Shortcuts[1].Type != slackgo.MessageShortcut {
		t.Errorf("shortcuts = %+v, want the message shortcuts %q and %q", m.Features.Shortcuts, ExplainCodeCallbackID, SummarizeThreadCallbackID)
	}
	if m.Features.AssistantView == nil || m.Features.AssistantView.AssistantDescription == "" {
		t.Error("assistant view missing")
	}
	if m.Display.Name != "Mistral" || m.Features.BotUser.DisplayName != "Mistral" {
		t.Errorf("names = %q / %q", m.Display.Name, m.Features.BotUser.DisplayName)
	}
}

func TestManifestHTTP(t *testing.T) {
	m := parseManifest(t, ManifestOptions{Mode: ModeHTTP, URL: "https://bot.example.com/", TranslateReactions: true})
	if m.Settings.SocketModeEnabled {
		t.Error("http mode must not enable socket mode")
	}
	if got := m.Settings.EventSubscriptions.RequestUrl; got != "https://bot.example.com/slack/events" {
		t.Errorf("events url = %q", got)
	}
	if got := m.Settings.Interactivity.RequestUrl; got != "https://bot.example.com/slack/interactions" {
		t.Errorf("interactivity url = %q", got)
	}
	for _, c := range m.Features.SlashCommands {
		if c.Url != "https://bot.example.com/slack/commands" {
			t.Errorf("command %s url = %q", c.Command, c.Url)
		}
	}
	if !slices.Contains(m.OAuthConfig.Scopes.Bot, "reactions:read") || !slices.Contains(m.Settings.EventSubscriptions.BotEvents, "reaction_added") {
		t.Error("translate reactions needs reactions:read and reaction_added")
	}
	// The scope table is shared: asking for reactions once must not leak
	// into the next manifest.
	m2 := parseManifest(t, ManifestOptions{})
	if slices.Contains(m2.OAuthConfig.Scopes.Bot, "reactions:read") {
		t.Error("reactions:read leaked into a manifest without reactions")
	}
}

// The default manifest (slack.agent_view: true) is an agent app: agent_view
// with agent_description, app_home_opened and app_context_changed, no
// assistant_thread_* events; assistant_view is for slack.agent_view: false.
func TestManifestAgentView(t *testing.T) {
	m := parseManifest(t, ManifestOptions{AgentView: true})
	if m.Features.AgentView == nil || m.Features.AgentView.AgentDescription == "" || m.Features.AssistantView != nil {
		t.Fatalf("features: agent_view %+v, assistant_view %+v", m.Features.AgentView, m.Features.AssistantView)
	}
	want := []string{"app_context_changed", "app_home_opened", "app_mention",
		"message.channels", "message.groups", "message.im", "message.mpim"}
	if got := m.Settings.EventSubscriptions.BotEvents; !slices.Equal(got, want) {
		t.Errorf("bot events = %v, want %v", got, want)
	}
	if !m.Features.AppHome.HomeTabEnabled || !m.Features.AppHome.MessagesTabEnabled {
		t.Errorf("app_home = %+v: the Home tab and the Messages tab must be on", m.Features.AppHome)
	}
	if !slices.Contains(m.OAuthConfig.Scopes.Bot, "assistant:write") {
		t.Error("assistant:write (suggested prompts, titles) missing")
	}
}

// Every manifest the command can print passes the fake's validation of
// Slack's manifest schema, in both views and both modes.
func TestManifestsValidateAgainstSlackSchema(t *testing.T) {
	for _, agent := range []bool{true, false} {
		for _, o := range []ManifestOptions{{}, {Mode: ModeHTTP, URL: "https://bot.example.com"},
			{CommandPrefix: "mb-", TranslateReactions: true}} {
			o.AgentView = agent
			if err := fakeslack.ValidateManifest([]byte(Manifest(o))); err != nil {
				t.Errorf("%+v: %v\n%s", o, err, Manifest(o))
			}
		}
	}
}
