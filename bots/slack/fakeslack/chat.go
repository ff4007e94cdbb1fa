package fakeslack

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Slack's message size limits.
const (
	// MaxUpdateText is chat.update's limit on text (characters).
	MaxUpdateText = 4000
	// MaxPostText is chat.postMessage's limit on text.
	MaxPostText = 40000
	// MaxMarkdownText is the limit of markdown_text in one call.
	MaxMarkdownText = 12000
)

// memberCheck answers not_in_channel for channels the bot is not in.
// Callers hold s.mu.
func (s *Server) memberCheck(channelID string) (apiResult, bool) {
	if channelID == "" {
		return fail("channel_not_found"), true
	}
	if s.notMember[channelID] {
		return fail("not_in_channel"), true
	}
	return apiResult{}, false
}

// lookup finds the message ts of channel ch as the Web API does: membership
// first, then the message, answering missing with the method's error code.
// s.mu is held.
func (s *Server) lookup(ch, ts, missing string) (*channel, *Message, apiResult, bool) {
	if res, bad := s.memberCheck(ch); bad {
		return nil, nil, res, true
	}
	c := s.channels[ch]
	if c == nil || c.find(ts) == nil {
		return nil, nil, fail(missing), true
	}
	return c, c.find(ts), apiResult{}, false
}

// writeCheck refuses writes to an archived channel (is_archived), after
// the membership check. Callers hold s.mu.
func (s *Server) writeCheck(ch string) (apiResult, bool) {
	if res, bad := s.memberCheck(ch); bad {
		return res, true
	}
	if s.archived[ch] {
		return fail("is_archived"), true
	}
	return apiResult{}, false
}

func (s *Server) chatPostMessage(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := p.Get("channel")
	if res, bad := s.writeCheck(ch); bad {
		return res
	}
	text := p.Get("text")
	if text == "" && p.Get("blocks") == "" {
		return fail("no_text")
	}
	if runeLen(text) > MaxPostText {
		return fail("msg_too_long")
	}
	blocks, _, res, bad := readBlocks(p)
	if bad {
		return res
	}
	thread := p.Get("thread_ts")
	if thread != "" {
		if c := s.channels[ch]; c == nil || c.find(thread) == nil {
			return fail("thread_not_found")
		}
	}
	m := &Message{Channel: ch, TS: s.nextTS(), ThreadTS: thread, User: s.opts.BotUserID,
		BotID: s.opts.BotID, Text: text, Blocks: blocks}
	if md := p.Get("metadata"); md != "" {
		var meta map[string]any
		if err := json.Unmarshal([]byte(md), &meta); err != nil {
			return fail("invalid_metadata_format")
		}
		m.Metadata = meta
	}
	s.insert(m)
	s.echoPost(m)
	return ok(map[string]any{"channel": ch, "ts": m.TS,
		"message": messageJSON(m, true, s.base)})
}

func (s *Server) chatUpdate(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if res, bad := s.writeCheck(p.Get("channel")); bad {
		return res
	}
	_, m, res, bad := s.lookup(p.Get("channel"), p.Get("ts"), "message_not_found")
	if bad {
		return res
	}
	if m.BotID != s.opts.BotID {
		return fail("cant_update_message")
	}
	text := p.Get("text")
	if text == "" && p.Get("blocks") == "" {
		return fail("no_text")
	}
	if runeLen(text) > MaxUpdateText {
		return fail("msg_too_long")
	}
	blocks, present, res, bad := readBlocks(p)
	if bad {
		return res
	}
	if present {
		m.Blocks = blocks
	}
	m.Text = text
	m.Markdown = "" // an update replaces a streamed message's content too
	m.Edits++
	s.scanPings(m)
	return ok(map[string]any{"channel": m.Channel, "ts": m.TS, "text": text})
}

func (s *Server) chatPostEphemeral(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := p.Get("channel")
	if res, bad := s.writeCheck(ch); bad {
		return res
	}
	if p.Get("user") == "" {
		return fail("user_not_found")
	}
	if p.Get("text") == "" && p.Get("blocks") == "" {
		return fail("no_text")
	}
	s.ephemerals = append(s.ephemerals, Ephemeral{Channel: ch, User: p.Get("user"),
		Text: p.Get("text"), ThreadTS: p.Get("thread_ts")})
	return ok(map[string]any{"message_ts": s.nextTS()})
}

func (s *Server) chatStartStream(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := p.Get("channel")
	if res, bad := s.writeCheck(ch); bad {
		return res
	}
	if s.opts.DisableNativeStreaming {
		return fail("feature_not_enabled")
	}
	thread := p.Get("thread_ts")
	if thread == "" {
		return fail("invalid_arguments")
	}
	if c := s.channels[ch]; c == nil || c.find(thread) == nil {
		return fail("thread_not_found")
	}
	// Streaming into channels needs a recipient (DMs do not).
	if !isDM(ch) && (p.Get("recipient_user_id") == "" || p.Get("recipient_team_id") == "") {
		return fail("missing_recipient_user_id")
	}
	md := p.Get("markdown_text")
	if runeLen(md) > MaxMarkdownText {
		return fail("msg_too_long")
	}
	m := &Message{Channel: ch, TS: s.nextTS(), ThreadTS: thread, User: s.opts.BotUserID,
		BotID: s.opts.BotID, Markdown: md, Streaming: true}
	s.insert(m)
	return ok(map[string]any{"channel": ch, "ts": m.TS})
}

func (s *Server) streamTarget(p url.Values) (*Message, apiResult, bool) {
	if res, bad := s.writeCheck(p.Get("channel")); bad {
		return nil, res, true
	}
	_, m, res, bad := s.lookup(p.Get("channel"), p.Get("ts"), "message_not_found")
	if bad {
		return nil, res, true
	}
	if !m.Streaming {
		return nil, fail("message_not_in_streaming_state"), true
	}
	if runeLen(p.Get("markdown_text")) > MaxMarkdownText {
		return nil, fail("msg_too_long"), true
	}
	return m, apiResult{}, false
}

func (s *Server) chatAppendStream(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stoppedByUser(p) { // streamstop.go
		return fail("stopped_by_user")
	}
	m, res, bad := s.streamTarget(p)
	if bad {
		return res
	}
	chunks, res, bad := s.readChunks(p)
	if bad {
		return res
	}
	if p.Get("markdown_text") == "" && len(chunks) == 0 {
		return fail("no_text")
	}
	m.Markdown += p.Get("markdown_text")
	for _, c := range chunks {
		m.Markdown += c.Text // markdown_text chunks
	}
	m.Chunks = append(m.Chunks, chunks...)
	m.Appends++
	s.scanPings(m)
	return ok(map[string]any{"channel": m.Channel, "ts": m.TS})
}

func (s *Server) chatStopStream(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, res, bad := s.streamTarget(p)
	if bad {
		return res
	}
	blocks, present, res, bad := readBlocks(p)
	if bad {
		return res
	}
	if present {
		m.Blocks = blocks // shown below the finalized message
	}
	m.Markdown += p.Get("markdown_text")
	m.Streaming = false
	s.scanPings(m)
	return ok(map[string]any{"channel": m.Channel, "ts": m.TS,
		"message": messageJSON(m, false, s.base)})
}

func (s *Server) chatDelete(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := p.Get("ts")
	c, target, res, bad := s.lookup(p.Get("channel"), ts, "message_not_found")
	if bad {
		return res
	}
	if target.BotID != s.opts.BotID {
		return fail("cant_delete_message")
	}
	c.remove(ts)
	return ok(map[string]any{"channel": target.Channel, "ts": ts})
}

// remove deletes the message ts. Callers hold s.mu.
func (c *channel) remove(ts string) bool {
	for i, m := range c.msgs {
		if m.TS == ts {
			c.msgs = append(c.msgs[:i], c.msgs[i+1:]...)
			if m.ThreadTS != "" && m.ThreadTS != m.TS {
				if parent := c.find(m.ThreadTS); parent != nil {
					parent.ReplyCount--
				}
			}
			return true
		}
	}
	return false
}

// DeleteMessage deletes a message as a workspace admin would in the
// client (any author, the bot's too); it reports whether it existed.
func (s *Server) DeleteMessage(channelID, ts string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	return c != nil && c.remove(ts)
}

// Archive archives (or, with false, unarchives) a channel: every write to
// it then fails with is_archived, as after /archive in the client.
func (s *Server) Archive(channelID string, archived bool) {
	s.mu.Lock()
	s.archived[channelID] = archived
	s.mu.Unlock()
}

// Archived reports whether a channel is archived.
func (s *Server) Archived(channelID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.archived[channelID]
}

// conversationsOpen opens (or finds) the bot's DM with one user.
func (s *Server) conversationsOpen(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	user := p.Get("users")
	if user == "" || strings.Contains(user, ",") {
		return fail("user_not_found")
	}
	if _, found := s.users[user]; !found {
		return fail("user_not_found")
	}
	if s.noDM[user] {
		return fail("cannot_dm_bot")
	}
	id := "D" + strings.TrimPrefix(user, "U")
	return ok(map[string]any{"channel": map[string]any{"id": id}})
}

// RefuseDM makes conversations.open fail for user (as for a user who
// cannot be messaged), so notices must take another path.
func (s *Server) RefuseDM(user string) {
	s.mu.Lock()
	s.noDM[user] = true
	s.mu.Unlock()
}
