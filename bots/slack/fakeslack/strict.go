package fakeslack

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Strict mode (Options.Strict) refuses what Slack documents as wrong
// rather than letting it pass: an argument the method does not take, a
// boolean that is not true/false/1/0, a ts that is not "seconds.micros",
// a limit that is not a number, metadata without event_type and an
// event_payload object. The answer is Slack's invalid_arguments with the
// reason in response_metadata.messages
// (https://docs.slack.dev/reference/methods/chat.postMessage arguments).

// methodArgs are the arguments of each method the fake serves (token
// apart), after Slack's method reference.
var methodArgs = map[string]string{
	"auth.test":             "",
	"apps.connections.open": "",
	"chat.postMessage": "channel text blocks attachments as_user icon_emoji icon_url link_names markdown_text " +
		"metadata mrkdwn parse reply_broadcast thread_ts unfurl_links unfurl_media username",
	"chat.update":                           "channel ts text blocks attachments as_user file_ids link_names markdown_text metadata parse reply_broadcast",
	"chat.delete":                           "channel ts as_user",
	"chat.getPermalink":                     "channel message_ts",
	"chat.postEphemeral":                    "channel user text blocks attachments as_user icon_emoji icon_url link_names markdown_text parse thread_ts username",
	"chat.startStream":                      "channel thread_ts markdown_text recipient_team_id recipient_user_id unfurl_links unfurl_media",
	"chat.appendStream":                     "channel ts markdown_text chunks",
	"chat.stopStream":                       "channel ts markdown_text blocks metadata",
	"conversations.replies":                 "channel ts cursor include_all_metadata inclusive latest limit oldest",
	"conversations.history":                 "channel cursor include_all_metadata inclusive latest limit oldest",
	"conversations.open":                    "channel prevent_creation return_im users",
	"users.info":                            "user include_locale",
	"files.info":                            "file count cursor limit page",
	"assistant.threads.setStatus":           "channel_id thread_ts status loading_messages",
	"assistant.threads.setSuggestedPrompts": "channel_id thread_ts prompts title",
	"assistant.threads.setTitle":            "channel_id thread_ts title",
	"views.publish":                         "user_id view hash",
	"views.open":                            "trigger_id interactivity_pointer view",
}

var (
	boolArgs = map[string]bool{"as_user": true, "link_names": true, "mrkdwn": true, "reply_broadcast": true,
		"unfurl_links": true, "unfurl_media": true, "include_all_metadata": true, "inclusive": true,
		"include_locale": true, "prevent_creation": true, "return_im": true}
	tsArgs  = map[string]bool{"ts": true, "thread_ts": true, "oldest": true, "latest": true, "message_ts": true}
	intArgs = map[string]bool{"limit": true, "count": true, "page": true}
	tsRe    = regexp.MustCompile(`^\d{10}\.\d{6}$`)
)

// strictCheck returns the reasons p is invalid for method (none: valid).
func strictCheck(method string, p url.Values) []string {
	allowed := map[string]bool{}
	for _, a := range strings.Fields(methodArgs[method]) {
		allowed[a] = true
	}
	var bad []string
	for name := range p {
		v := p.Get(name)
		switch {
		case !allowed[name]:
			bad = append(bad, "[ERROR] unknown argument: "+name)
		case boolArgs[name] && v != "true" && v != "false" && v != "1" && v != "0":
			bad = append(bad, "[ERROR] invalid boolean for "+name+": "+v)
		case tsArgs[name] && v != "" && v != "0" && !tsRe.MatchString(v):
			bad = append(bad, "[ERROR] invalid timestamp for "+name+": "+v)
		case intArgs[name] && !isInt(v):
			bad = append(bad, "[ERROR] invalid number for "+name+": "+v)
		case name == "parse" && v != "none" && v != "full":
			bad = append(bad, "[ERROR] parse must be none or full: "+v)
		case name == "metadata" && !validMetadata(v):
			bad = append(bad, "[ERROR] invalid metadata: "+v)
		}
	}
	sort.Strings(bad)
	return bad
}

func isInt(v string) bool {
	_, err := strconv.Atoi(v)
	return err == nil
}

func validMetadata(v string) bool {
	var m struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	return json.Unmarshal([]byte(v), &m) == nil && m.EventType != "" && m.EventPayload != nil
}

// invalidArguments is Slack's answer to arguments it refuses.
func invalidArguments(reasons []string) apiResult {
	res := fail("invalid_arguments")
	msgs := make([]any, len(reasons))
	for i, r := range reasons {
		msgs[i] = r
	}
	res.body["response_metadata"] = map[string]any{"messages": msgs}
	return res
}
