package fakeslack

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Block Kit limits the fake enforces on chat.postMessage and chat.update:
// at most 50 blocks in a message, section text at most 3,000 characters,
// at most 25 elements in an actions block, a button's text at most 75
// characters, its action_id at most 255 and its value at most 2,000
// (https://docs.slack.dev/reference/block-kit/blocks/actions-block,
// https://docs.slack.dev/reference/block-kit/blocks/section-block,
// https://docs.slack.dev/reference/block-kit/block-elements/button-element).
const (
	maxMessageBlocks  = 50
	maxSectionText    = 3000
	maxActionElements = 25
	maxButtonText     = 75
	maxActionID       = 255
	maxButtonValue    = 2000
)

// Button is a button element of a message's actions blocks.
type Button struct {
	ActionID, Value, Text string
}

// Buttons returns the buttons of m's actions blocks, in order.
func (m Message) Buttons() []Button {
	var out []Button
	for _, b := range m.Blocks {
		if b["type"] != "actions" {
			continue
		}
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			if el["type"] != "button" {
				continue
			}
			t, _ := el["text"].(map[string]any)
			btn := Button{}
			btn.ActionID, _ = el["action_id"].(string)
			btn.Value, _ = el["value"].(string)
			btn.Text, _ = t["text"].(string)
			out = append(out, btn)
		}
	}
	return out
}

// readBlocks parses the blocks argument: present false when the call has
// none (chat.update then keeps the message's blocks, as Slack does:
// https://github.com/slackapi/python-slack-sdk/issues/523); "[]" clears
// them.
func readBlocks(p url.Values) (blocks []map[string]any, present bool, res apiResult, bad bool) {
	raw, present := p["blocks"]
	if !present {
		return nil, false, apiResult{}, false
	}
	if err := json.Unmarshal([]byte(strings.Join(raw, "")), &blocks); err != nil {
		return nil, true, fail("invalid_blocks_format"), true
	}
	if len(blocks) > maxMessageBlocks {
		return nil, true, fail("invalid_blocks"), true
	}
	for _, b := range blocks {
		switch b["type"] {
		case "section":
			t, _ := b["text"].(map[string]any)
			s, _ := t["text"].(string)
			if s == "" || runeLen(s) > maxSectionText {
				return nil, true, fail("invalid_blocks"), true
			}
		case "context_actions":
			// At most 5 feedback_buttons or icon_button elements
			// (https://docs.slack.dev/reference/block-kit/blocks/context-actions-block).
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 5 {
				return nil, true, fail("invalid_blocks"), true
			}
			for _, e := range els {
				el, _ := e.(map[string]any)
				if el["type"] != "feedback_buttons" && el["type"] != "icon_button" {
					return nil, true, fail("invalid_blocks"), true
				}
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > maxActionElements {
				return nil, true, fail("invalid_blocks"), true
			}
			for _, e := range els {
				el, _ := e.(map[string]any)
				t, _ := el["text"].(map[string]any)
				text, _ := t["text"].(string)
				id, _ := el["action_id"].(string)
				val, _ := el["value"].(string)
				if el["type"] != "button" || text == "" || runeLen(text) > maxButtonText ||
					len(id) > maxActionID || len(val) > maxButtonValue {
					return nil, true, fail("invalid_blocks"), true
				}
			}
		}
	}
	return blocks, true, apiResult{}, false
}

// BlockAction returns the block_actions payload of userID clicking the
// button actionID of m (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
// The button's value is m's, so a test clicks what the app posted.
func (s *Server) BlockAction(m Message, userID, actionID string) []byte {
	var value string
	for _, b := range m.Buttons() {
		if b.ActionID == actionID {
			value = b.Value
		}
	}
	msg := map[string]any{"type": "message", "user": m.User, "bot_id": m.BotID, "text": m.Text, "ts": m.TS, "blocks": m.Blocks}
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	b, _ := json.Marshal(map[string]any{
		"type": "block_actions", "token": "legacyVerificationToken", "api_app_id": "A0FAKE",
		"team":       map[string]any{"id": s.opts.TeamID, "domain": "fake"},
		"user":       map[string]any{"id": userID, "name": strings.ToLower(strings.TrimPrefix(userID, "U0")), "team_id": s.opts.TeamID},
		"channel":    map[string]any{"id": m.Channel, "name": "general"},
		"container":  map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false},
		"trigger_id": s.NewTriggerID(), "message": msg, "response_url": s.NewResponseURL(),
		"actions": []any{map[string]any{"type": "button", "action_id": actionID, "block_id": "controls",
			"value": value, "action_ts": m.TS}},
	})
	return b
}

// FeedbackValues returns the positive and negative values of m's
// feedback_buttons element ("" when it has none).
func (m Message) FeedbackValues() (up, down string) {
	for _, b := range m.Blocks {
		if b["type"] != "context_actions" {
			continue
		}
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			if el["type"] != "feedback_buttons" {
				continue
			}
			p, _ := el["positive_button"].(map[string]any)
			n, _ := el["negative_button"].(map[string]any)
			up, _ = p["value"].(string)
			down, _ = n["value"].(string)
		}
	}
	return up, down
}

// FeedbackAction returns the block_actions payload of userID clicking the
// positive (or negative) button of m's feedback_buttons element actionID.
func (s *Server) FeedbackAction(m Message, userID, actionID string, positive bool) []byte {
	up, down := m.FeedbackValues()
	value := down
	if positive {
		value = up
	}
	var p map[string]any
	_ = json.Unmarshal(s.BlockAction(m, userID, actionID), &p)
	p["actions"] = []any{map[string]any{"type": "feedback_buttons", "action_id": actionID, "block_id": "feedback",
		"value": value, "action_ts": m.TS}}
	b, _ := json.Marshal(p)
	return b
}
