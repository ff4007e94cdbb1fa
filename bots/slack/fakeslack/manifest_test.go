package fakeslack

import (
	"strings"
	"testing"
)

const agentManifest = `_metadata:
  major_version: 2
display_information:
  name: bot
features:
  bot_user:
    display_name: bot
  agent_view:
    agent_description: "Ask me"
oauth_config:
  scopes:
    bot:
      - assistant:write
      - im:history
settings:
  event_subscriptions:
    bot_events:
      - app_home_opened
      - app_context_changed
      - message.im
  socket_mode_enabled: true
`

func TestValidateManifestAcceptsAnAgentApp(t *testing.T) {
	if err := ValidateManifest([]byte(agentManifest)); err != nil {
		t.Fatal(err)
	}
}

// Each mistake of a half-migrated manifest is refused, naming the cause.
func TestValidateManifestRefusesMixedViews(t *testing.T) {
	cases := map[string]struct{ from, to, want string }{
		"assistant description under agent_view": {`agent_description: "Ask me"`, `assistant_description: "Ask me"`, "assistant_description"},
		"both views":                             {"  agent_view:\n", "  assistant_view:\n    assistant_description: x\n  agent_view:\n", "exclusive"},
		"assistant events in an agent app":       {"      - app_context_changed\n", "      - app_context_changed\n      - assistant_thread_started\n", "needs features.assistant_view"},
		"context event without agent_view":       {"  agent_view:\n    agent_description: \"Ask me\"\n", "  assistant_view:\n    assistant_description: \"Ask me\"\n", "app_context_changed needs features.agent_view"},
		"missing scope":                          {"      - im:history\n", "", "message.im needs the im:history scope"},
		"no description":                         {`agent_description: "Ask me"`, `agent_description: ""`, "agent_description is required"},
		"http without request url":               {"socket_mode_enabled: true", "socket_mode_enabled: false", "request_url is required"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			doc := strings.Replace(agentManifest, c.from, c.to, 1)
			if doc == agentManifest {
				t.Fatal("the case changed nothing")
			}
			err := ValidateManifest([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}
