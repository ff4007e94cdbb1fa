package fakeslack

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// The agent experience: the events of an agent_view app and the Home tab.

// HomeView is a recorded views.publish: the user and the view's blocks.
type HomeView struct {
	User   string
	Blocks []map[string]any
}

// Text returns every text of the view's blocks, one per line.
func (v HomeView) Text() string {
	var parts []string
	for _, b := range v.Blocks {
		if t, isMap := b["text"].(map[string]any); isMap {
			if s, isStr := t["text"].(string); isStr {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, "\n")
}

// HomeViews returns the recorded views.publish calls.
func (s *Server) HomeViews() []HomeView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.homeViews)
}

// SilentFailures counts calls answered ok that Slack would not act on (a
// setSuggestedPrompts with thread_ts from an agent_view app).
func (s *Server) SilentFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.silentFailures
}

// viewsPublish checks a Home tab view against Block Kit's limits: type
// home, at most 100 blocks, section text at most 3,000 characters, header
// plain_text at most 150
// (https://docs.slack.dev/reference/methods/views.publish,
// https://docs.slack.dev/reference/block-kit/blocks/section-block,
// https://docs.slack.dev/reference/block-kit/blocks/header-block).
func (s *Server) viewsPublish(p url.Values) apiResult {
	user := p.Get("user_id")
	var view struct {
		Type   string           `json:"type"`
		Blocks []map[string]any `json:"blocks"`
	}
	if user == "" || json.Unmarshal([]byte(p.Get("view")), &view) != nil {
		return fail("invalid_arguments")
	}
	if view.Type != "home" || len(view.Blocks) == 0 || len(view.Blocks) > 100 {
		return fail("invalid_arguments")
	}
	for _, b := range view.Blocks {
		t, _ := b["text"].(map[string]any)
		text, _ := t["text"].(string)
		switch b["type"] {
		case "header":
			if t["type"] != "plain_text" || text == "" || utf8.RuneCountInString(text) > 150 {
				return fail("invalid_blocks")
			}
		case "section":
			if (t["type"] != "mrkdwn" && t["type"] != "plain_text") || text == "" || utf8.RuneCountInString(text) > 3000 {
				return fail("invalid_blocks")
			}
		case "divider":
		default:
			return fail("invalid_blocks")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, known := s.users[user]; !known {
		return fail("user_not_found")
	}
	s.homeViews = append(s.homeViews, HomeView{User: user, Blocks: view.Blocks})
	return ok(map[string]any{"view": map[string]any{"id": "V" + user, "type": "home"}})
}

// loadingMessages parses setStatus's loading_messages: a JSON array, or
// the comma-joined list slack-go sends. At most 10
// (https://docs.slack.dev/reference/methods/assistant.threads.setStatus/).
func loadingMessages(v string) ([]string, bool) {
	if v == "" {
		return nil, true
	}
	var out []string
	if strings.HasPrefix(v, "[") {
		if json.Unmarshal([]byte(v), &out) != nil {
			return nil, false
		}
	} else {
		out = strings.Split(v, ",")
	}
	return out, len(out) <= 10
}

// ContextEntities is the context object of app_context_changed for a
// user viewing channel ({} when channel is "").
func (s *Server) ContextEntities(channel string) map[string]any {
	if channel == "" {
		return map[string]any{}
	}
	return map[string]any{"entities": []any{map[string]any{
		"type": "slack#/types/channel_id", "value": channel, "team_id": s.opts.TeamID}}}
}

// AppHomeOpened is the app_home_opened event of user opening tab
// ("home" or "messages") of the app, whose DM with them is dm; viewing,
// when set, is the context Slack adds for apps subscribed to
// app_context_changed
// (https://docs.slack.dev/reference/events/app_home_opened,
// https://docs.slack.dev/changelog/2026/07/02/app-context).
func (s *Server) AppHomeOpened(user, dm, tab, viewing string) map[string]any {
	s.mu.Lock()
	ts := s.nextTS()
	s.mu.Unlock()
	ev := map[string]any{"type": "app_home_opened", "user": user, "channel": dm, "tab": tab, "event_ts": ts}
	if viewing != "" {
		ev["context"] = s.ContextEntities(viewing)
	}
	return ev
}

// AppContextChanged is the app_context_changed event of user, whose DM
// with the app is dm, now viewing channel ("" for nothing), in the shape
// of https://docs.slack.dev/reference/events/app_context_changed with the
// user and channel fields slack-go's AppContextChangedEvent models.
func (s *Server) AppContextChanged(user, dm, viewing string) map[string]any {
	s.mu.Lock()
	ts := s.nextTS()
	s.mu.Unlock()
	return map[string]any{"type": "app_context_changed", "user": user, "channel": dm,
		"context": s.ContextEntities(viewing), "event_ts": ts}
}

// WithAppContext adds the app_context Slack puts on message.im events
// for apps subscribed to app_context_changed, and returns ev.
func (s *Server) WithAppContext(ev map[string]any, viewing string) map[string]any {
	ev["app_context"] = s.ContextEntities(viewing)
	return ev
}
