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
	var problems []error
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("manifest: "+format, args...))
	}

	if m.Metadata.MajorVersion != 1 && m.Metadata.MajorVersion != 2 {
		bad("_metadata.major_version %d: want 1 or 2", m.Metadata.MajorVersion)
	}
	if n := len([]rune(m.Display.Name)); n == 0 || n > 35 {
		bad("display_information.name must have 1 to 35 characters, has %d", n)
	}
	if len([]rune(m.Display.Description)) > 140 {
		bad("display_information.description is over 140 characters")
	}
	if c := m.Display.BackgroundColor; c != "" && !hexColor.MatchString(c) {
		bad("display_information.background_color %q is not #rrggbb", c)
	}
	f := m.Features
	agent, assistant := f.AgentView != nil, f.AssistantView != nil
	switch {
	case agent && assistant:
		bad("features.agent_view and features.assistant_view are exclusive")
	case agent && f.AgentView.AgentDescription == "":
		bad("features.agent_view.agent_description is required")
	case assistant && f.AssistantView.AssistantDescription == "":
		bad("features.assistant_view.assistant_description is required")
	}
	scopes := m.OAuthConfig.Scopes.Bot
	if len(scopes) > 0 && f.BotUser.DisplayName == "" {
		bad("bot scopes need features.bot_user.display_name")
	}
	if len([]rune(f.BotUser.DisplayName)) > 80 {
		bad("features.bot_user.display_name is over 80 characters")
	}
	if (agent || assistant) && !slices.Contains(scopes, "assistant:write") {
		bad("the agent or assistant view needs the assistant:write scope")
	}
	socket := m.Settings.SocketModeEnabled
	for _, c := range f.SlashCommands {
		if !commandName.MatchString(c.Command) {
			bad("slash command %q: want / and at most 31 lower-case letters, digits, - or _", c.Command)
		}
		if c.Description == "" || len([]rune(c.Description)) > 2000 {
			bad("slash command %s: description must have 1 to 2000 characters", c.Command)
		}
		if !socket && c.Url == "" {
			bad("slash command %s: url is required without Socket Mode", c.Command)
		}
	}
	for _, s := range f.Shortcuts {
		if n := len([]rune(s.Name)); n == 0 || n > 24 {
			bad("shortcut %q: name must have 1 to 24 characters", s.Name)
		}
		if s.CallbackID == "" || len(s.CallbackID) > 255 || s.Description == "" || len([]rune(s.Description)) > 150 {
			bad("shortcut %q: callback_id (1-255) and description (1-150) are required", s.Name)
		}
		if s.Type != slackgo.MessageShortcut && s.Type != slackgo.GlobalShortcut {
			bad("shortcut %q: type %q", s.Name, s.Type)
		}
	}
	if es := m.Settings.EventSubscriptions; es != nil {
		if !socket && es.RequestUrl == "" && len(es.BotEvents) > 0 {
			bad("settings.event_subscriptions.request_url is required without Socket Mode")
		}
		for _, e := range es.BotEvents {
			scope, known := eventScopes[e]
			switch {
			case !known:
				bad("bot event %q is not one the fake knows", e)
			case scope != "" && !slices.Contains(scopes, scope):
				bad("bot event %s needs the %s scope", e, scope)
			}
			switch e {
			case "app_context_changed":
				if !agent {
					bad("bot event app_context_changed needs features.agent_view")
				}
			case "assistant_thread_started", "assistant_thread_context_changed":
				if !assistant {
					bad("bot event %s needs features.assistant_view", e)
				}
			}
		}
	}
	if in := m.Settings.Interactivity; in != nil && in.IsEnabled && !socket && in.RequestUrl == "" {
		bad("settings.interactivity.request_url is required without Socket Mode")
	}
	return errors.Join(problems...)
}
