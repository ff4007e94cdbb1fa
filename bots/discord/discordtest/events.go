package discordtest

import (
	"encoding/json"
	"strings"
)

// What the fake gateway does to a dispatch before sending it, so that the
// bot sees events shaped as Discord's and, on request, unkind ones.
//
// MESSAGE_CREATE (https://discord.com/developers/docs/events/gateway-events#message-create)
// is a message object plus guild_id and member, both absent in DMs; the
// message object (https://discord.com/developers/docs/resources/message#message-object)
// has empty content, embeds, attachments and components for an app
// without the MESSAGE_CONTENT intent (1 << 15), except in DMs, in messages
// that mention the app and in the app's own messages; and for a reply
// (type 19) referenced_message is null when the message replied to was
// deleted, absent when Discord did not look it up.

// intentMessageContent is the MESSAGE_CONTENT privileged intent.
const intentMessageContent = 1 << 15

// MangleEvents makes the gateway pass every later dispatch's payload
// through f before it is sent (and logged for RESUME replays): f may
// change or delete any field, e.g. give a nested field a type the bot does
// not expect (see SetPath). Payloads that are not JSON objects are sent as
// they are. nil restores plain dispatches.
func (s *Server) MangleEvents(f func(eventType string, d map[string]any)) {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	s.gw.mangle = f
}

// SetPath sets the field at a dotted path ("referenced_message.author.public_flags")
// in a decoded JSON object to v, and reports whether every object on the
// way existed.
func SetPath(d map[string]any, path string, v any) bool {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := d[k].(map[string]any)
		if !ok {
			return false
		}
		d = next
	}
	d[keys[len(keys)-1]] = v
	return true
}

// echo dispatches MESSAGE_CREATE for a message the bot created over REST,
// as Discord does for every message: in a guild with the bot's member
// object. The REST handlers call it after storing the message.
func (s *Server) echo(m Message) {
	ev, err := toMap(m)
	if err != nil {
		return
	}
	if m.GuildID != "" {
		s.mu.Lock()
		mem := s.members[m.GuildID][s.bot.ID]
		var cp Member
		if mem != nil {
			cp = *mem
		}
		s.mu.Unlock()
		if mem != nil {
			cp.User = nil // MESSAGE_CREATE's member has no user: it is the author
			ev["member"] = cp
		}
	}
	raw, _ := json.Marshal(ev)
	s.DispatchRaw("MESSAGE_CREATE", raw)
}

func toMap(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(raw, &m)
	return m, err
}

// shape applies the rules above and the test's mangler to a dispatch
// payload; the caller holds g.mu.
func (s *Server) shape(t string, raw json.RawMessage) json.RawMessage {
	g := &s.gw
	isMessage := t == "MESSAGE_CREATE" || t == "MESSAGE_UPDATE"
	if !isMessage && g.mangle == nil {
		return raw
	}
	var d map[string]any
	if json.Unmarshal(raw, &d) != nil || d == nil {
		return raw
	}
	if isMessage {
		s.shapeMessage(d)
	}
	if g.mangle != nil {
		g.mangle(t, d)
	}
	out, err := json.Marshal(d)
	if err != nil {
		return raw
	}
	return out
}

// shapeMessage applies the message-content intent and the
// referenced_message rule to a MESSAGE_CREATE or MESSAGE_UPDATE; the
// caller holds g.mu.
func (s *Server) shapeMessage(d map[string]any) {
	g := &s.gw
	if g.intents&intentMessageContent == 0 && g.hasIntents {
		author, _ := d["author"].(map[string]any)
		own := author != nil && author["id"] == s.bot.ID
		_, inGuild := d["guild_id"]
		mentioned := false
		if ms, ok := d["mentions"].([]any); ok {
			for _, u := range ms {
				if u, ok := u.(map[string]any); ok && u["id"] == s.bot.ID {
					mentioned = true
				}
			}
		}
		if !own && inGuild && !mentioned {
			d["content"] = ""
			d["embeds"] = []any{}
			d["attachments"] = []any{}
			d["components"] = []any{}
			delete(d, "poll")
		}
	}
	if typ, _ := d["type"].(float64); typ == 19 {
		ref, _ := d["message_reference"].(map[string]any)
		if _, has := d["referenced_message"]; !has && ref != nil {
			cid, _ := ref["channel_id"].(string)
			mid, _ := ref["message_id"].(string)
			s.mu.Lock()
			gone := s.findMessage(cid, mid) == nil
			s.mu.Unlock()
			if gone {
				d["referenced_message"] = nil
			}
		}
	}
}
