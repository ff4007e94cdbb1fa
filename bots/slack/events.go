package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// eventsBody is the outer Events API body (HTTP request body, or the
// payload of a Socket Mode events_api envelope).
type eventsBody struct {
	Type           string          `json:"type"` // url_verification, event_callback, app_rate_limited
	Challenge      string          `json:"challenge"`
	TeamID         string          `json:"team_id"`
	APIAppID       string          `json:"api_app_id"`
	EventID        string          `json:"event_id"`
	EventTime      int64           `json:"event_time"`
	Event          json.RawMessage `json:"event"`
	Authorizations []struct {
		TeamID string `json:"team_id"`
		UserID string `json:"user_id"`
	} `json:"authorizations"`
}

// slackFile is a file as message events and files.info carry it.
type slackFile struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Title              string `json:"title"`
	Mimetype           string `json:"mimetype"`
	Filetype           string `json:"filetype"`
	Mode               string `json:"mode"`
	Size               int    `json:"size"`
	URLPrivate         string `json:"url_private"`
	URLPrivateDownload string `json:"url_private_download"`
	FileAccess         string `json:"file_access"`
	IsExternal         bool   `json:"is_external"`
	// DurationMs is an audio clip's length (duration_ms, a field of
	// slack-go's File: github.com/slack-go/slack files.go).
	DurationMs int `json:"duration_ms"`
}

// innerEvent holds the fields of every inner event type the adapter uses.
type innerEvent struct {
	Type        string      `json:"type"`
	Subtype     string      `json:"subtype"`
	User        string      `json:"user"`
	BotID       string      `json:"bot_id"`
	Text        string      `json:"text"`
	TS          string      `json:"ts"`
	ThreadTS    string      `json:"thread_ts"`
	Channel     string      `json:"channel"`
	ChannelType string      `json:"channel_type"`
	Team        string      `json:"team"`
	Files       []slackFile `json:"files"`
	// reaction_added
	Reaction string `json:"reaction"`
	Item     struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
	// assistant_thread_started, assistant_thread_context_changed
	AssistantThread struct {
		UserID    string `json:"user_id"`
		ChannelID string `json:"channel_id"`
		ThreadTS  string `json:"thread_ts"`
		Context   struct {
			ChannelID string `json:"channel_id"`
		} `json:"context"`
	} `json:"assistant_thread"`
	// app_home_opened: the tab opened, "home" or "messages"
	// (https://docs.slack.dev/reference/events/app_home_opened).
	Tab string `json:"tab"`
	// Context is what the user is viewing: on app_context_changed, and on
	// app_home_opened when the app subscribes to app_context_changed;
	// AppContext is the same on message.im
	// (https://docs.slack.dev/reference/events/app_context_changed,
	// https://docs.slack.dev/changelog/2026/07/02/app-context).
	Context    *appContext `json:"context"`
	AppContext *appContext `json:"app_context"`
}

// appContext is Slack's ordered list of what the user has open, most
// relevant first; {} when nothing.
type appContext struct {
	Entities []struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	} `json:"entities"`
}

// UnmarshalJSON never fails: a context of a shape we do not know is no
// context, and must not cost the user's question the message.im event
// carrying it.
func (c *appContext) UnmarshalJSON(b []byte) error {
	type plain appContext
	var p plain
	if json.Unmarshal(b, &p) == nil {
		*c = appContext(p)
	}
	return nil
}

// channel returns the most relevant channel the user is viewing: a
// channel_id entity, or the channel of a message_context entity. Canvases,
// lists and unknown entity types are skipped.
func (c *appContext) channel() string {
	if c == nil {
		return ""
	}
	for _, e := range c.Entities {
		switch e.Type {
		case "slack#/types/channel_id":
			var id string
			if json.Unmarshal(e.Value, &id) == nil && id != "" {
				return id
			}
		case "slack#/types/message_context":
			var v struct {
				ChannelID string `json:"channel_id"`
			}
			if json.Unmarshal(e.Value, &v) == nil && v.ChannelID != "" {
				return v.ChannelID
			}
		}
	}
	return ""
}

// errMalformed marks payloads that are not what Slack sends.
var errMalformed = errors.New("slack: malformed payload")

// parseEvents decodes an Events API body. url_verification and
// app_rate_limited bodies have no inner event.
func parseEvents(body []byte) (eventsBody, innerEvent, error) {
	var env eventsBody
	if err := json.Unmarshal(body, &env); err != nil {
		return env, innerEvent{}, fmt.Errorf("%w: %v", errMalformed, err)
	}
	switch env.Type {
	case "url_verification":
		if env.Challenge == "" {
			return env, innerEvent{}, fmt.Errorf("%w: url_verification without challenge", errMalformed)
		}
		return env, innerEvent{}, nil
	case "app_rate_limited":
		return env, innerEvent{}, nil
	case "event_callback":
	default:
		return env, innerEvent{}, fmt.Errorf("%w: unknown body type %q", errMalformed, env.Type)
	}
	var ev innerEvent
	if len(env.Event) == 0 || string(env.Event) == "null" {
		return env, ev, fmt.Errorf("%w: event_callback without event", errMalformed)
	}
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		return env, ev, fmt.Errorf("%w: event: %v", errMalformed, err)
	}
	if ev.Type == "" {
		return env, ev, fmt.Errorf("%w: event without type", errMalformed)
	}
	return env, ev, nil
}

// team returns the workspace the event belongs to (where the bot is
// installed).
func (env eventsBody) team() string {
	if env.TeamID != "" {
		return env.TeamID
	}
	if len(env.Authorizations) > 0 {
		return env.Authorizations[0].TeamID
	}
	return ""
}

// messageKind classifies a message-like event.
type messageKind int

const (
	skipMessage    messageKind = iota // not for the Engine
	channelMessage                    // in a channel or group DM
	directMessage                     // in the bot's DM
)

// answerableSubtypes are the message subtypes that carry a person's words.
var answerableSubtypes = map[string]bool{"": true, "file_share": true, "thread_broadcast": true}

// classify decides whether a message or app_mention event goes to the
// Engine: never the bot's own messages, other bots' messages, edits,
// deletions or joins; top-level channel messages only with a mention
// (app_mention covers them, a message event with the mention is deduped by
// the Engine); thread replies only when following threads.
func (a *Adapter) classify(ev innerEvent) messageKind {
	if ev.Type != "message" && ev.Type != "app_mention" {
		return skipMessage
	}
	if ev.Channel == "" || ev.TS == "" || ev.User == "" {
		return skipMessage
	}
	if ev.BotID != "" || ev.User == a.botUserID || !answerableSubtypes[ev.Subtype] {
		return skipMessage
	}
	if ev.ChannelType == "im" || strings.HasPrefix(ev.Channel, "D") {
		return directMessage
	}
	if ev.Type == "app_mention" || strings.Contains(ev.Text, "<@"+a.botUserID+">") || strings.Contains(ev.Text, "<@"+a.botUserID+"|") {
		return channelMessage
	}
	if ev.ThreadTS != "" && ev.ThreadTS != ev.TS && a.opts.FollowThreads {
		return channelMessage
	}
	return skipMessage
}

// tsTime converts a Slack ts ("1760000100.000200") to a time.
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000)
}
