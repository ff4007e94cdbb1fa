package fakeslack

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"

	slackgo "github.com/slack-go/slack"
	"go.yaml.in/yaml/v3"
)

// eventScopes are the bot scopes each event subscription needs, from the
// "Required scopes" of each event's reference page
// (https://docs.slack.dev/reference/events/...). Events listed with ""
// need none but a bot user.
var eventScopes = map[string]string{
	"app_mention":                      "app_mentions:read",
	"message.channels":                 "channels:history",
	"message.groups":                   "groups:history",
	"message.im":                       "im:history",
	"message.mpim":                     "mpim:history",
	"reaction_added":                   "reactions:read",
	"assistant_thread_started":         "assistant:write",
	"assistant_thread_context_changed": "assistant:write",
	"app_home_opened":                  "",
	"app_context_changed":              "",
}

var (
	commandName = regexp.MustCompile(`^/[a-z0-9_\-]{1,31}$`)
	hexColor    = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// ValidateManifest checks a YAML app manifest the way Slack's "Create an
// app from a manifest" does for the fields mistralbot writes, and returns
// every problem at once (nil when none):
//   - no unknown fields (an assistant_description under agent_view is
//     one: "When switching to agent_view, the nested
//     assistant_description switches to agent_description",
//     https://docs.slack.dev/ai/migrating-to-agent-messaging/);
//   - features.agent_view and features.assistant_view are exclusive, and
//     each needs its description;
//   - app_context_changed needs agent_view ("The agent_view feature must
//     be enabled in order to receive this event",
//     https://docs.slack.dev/reference/events/app_context_changed), the
//     assistant_thread_* events need assistant_view;
//   - every event has its scope, a bot user exists, names and lengths fit
//     Slack's limits, and without Socket Mode every request URL is set.
func ValidateManifest(doc []byte) error {
	var m slackgo.Manifest
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	// Every problem is collected, so one run shows them all.
	var p manifestProblems
	if m.Metadata.MajorVersion != 1 && m.Metadata.MajorVersion != 2 {
		p.bad("_metadata.major_version %d: want 1 or 2", m.Metadata.MajorVersion)
	}
	p.checkDisplay(m.Display)
	f := m.Features
	scopes := m.OAuthConfig.Scopes.Bot
	agent, assistant := p.checkViews(f, scopes)
	socket := m.Settings.SocketModeEnabled
	p.checkCommands(f, socket)
	if es := m.Settings.EventSubscriptions; es != nil {
		p.checkEvents(es, scopes, socket, agent, assistant)
	}
	if in := m.Settings.Interactivity; in != nil && in.IsEnabled && !socket && in.RequestUrl == "" {
		p.bad("settings.interactivity.request_url is required without Socket Mode")
	}
	return errors.Join(p...)
}

// manifestProblems collects what ValidateManifest finds wrong.
type manifestProblems []error

func (p *manifestProblems) bad(format string, args ...any) {
	*p = append(*p, fmt.Errorf("manifest: "+format, args...))
}

// checkDisplay checks display_information against Slack's limits.
func (p *manifestProblems) checkDisplay(d slackgo.Display) {
	if n := len([]rune(d.Name)); n == 0 || n > 35 {
		p.bad("display_information.name must have 1 to 35 characters, has %d", n)
	}
	if len([]rune(d.Description)) > 140 {
		p.bad("display_information.description is over 140 characters")
	}
	if c := d.BackgroundColor; c != "" && !hexColor.MatchString(c) {
		p.bad("display_information.background_color %q is not #rrggbb", c)
	}
}

// checkViews checks the bot user and the agent or assistant view, and
// reports which view the manifest has (the events depend on it).
func (p *manifestProblems) checkViews(f slackgo.Features, scopes []string) (agent, assistant bool) {
	agent, assistant = f.AgentView != nil, f.AssistantView != nil
	switch {
	case agent && assistant:
		p.bad("features.agent_view and features.assistant_view are exclusive")
	case agent && f.AgentView.AgentDescription == "":
		p.bad("features.agent_view.agent_description is required")
	case assistant && f.AssistantView.AssistantDescription == "":
		p.bad("features.assistant_view.assistant_description is required")
	}
	if len(scopes) > 0 && f.BotUser.DisplayName == "" {
		p.bad("bot scopes need features.bot_user.display_name")
	}
	if len([]rune(f.BotUser.DisplayName)) > 80 {
		p.bad("features.bot_user.display_name is over 80 characters")
	}
	if (agent || assistant) && !slices.Contains(scopes, "assistant:write") {
		p.bad("the agent or assistant view needs the assistant:write scope")
	}
	return agent, assistant
}

// checkCommands checks the slash commands and the shortcuts.
func (p *manifestProblems) checkCommands(f slackgo.Features, socket bool) {
	for _, c := range f.SlashCommands {
		if !commandName.MatchString(c.Command) {
			p.bad("slash command %q: want / and at most 31 lower-case letters, digits, - or _", c.Command)
		}
		if c.Description == "" || len([]rune(c.Description)) > 2000 {
			p.bad("slash command %s: description must have 1 to 2000 characters", c.Command)
		}
		if !socket && c.Url == "" {
			p.bad("slash command %s: url is required without Socket Mode", c.Command)
		}
	}
	for _, s := range f.Shortcuts {
		if n := len([]rune(s.Name)); n == 0 || n > 24 {
			p.bad("shortcut %q: name must have 1 to 24 characters", s.Name)
		}
		if s.CallbackID == "" || len(s.CallbackID) > 255 || s.Description == "" || len([]rune(s.Description)) > 150 {
			p.bad("shortcut %q: callback_id (1-255) and description (1-150) are required", s.Name)
		}
		if s.Type != slackgo.MessageShortcut && s.Type != slackgo.GlobalShortcut {
			p.bad("shortcut %q: type %q", s.Name, s.Type)
		}
	}
}

// checkEvents checks each bot event has its scope and the view it needs,
// and that without Socket Mode they have a request URL.
func (p *manifestProblems) checkEvents(es *slackgo.EventSubscriptions, scopes []string, socket, agent, assistant bool) {
	if !socket && es.RequestUrl == "" && len(es.BotEvents) > 0 {
		p.bad("settings.event_subscriptions.request_url is required without Socket Mode")
	}
	for _, e := range es.BotEvents {
		scope, known := eventScopes[e]
		switch {
		case !known:
			p.bad("bot event %q is not one the fake knows", e)
		case scope != "" && !slices.Contains(scopes, scope):
			p.bad("bot event %s needs the %s scope", e, scope)
		}
		switch e {
		case "app_context_changed":
			if !agent {
				p.bad("bot event app_context_changed needs features.agent_view")
			}
		case "assistant_thread_started", "assistant_thread_context_changed":
			if !assistant {
				p.bad("bot event %s needs features.assistant_view", e)
			}
		}
	}
}
