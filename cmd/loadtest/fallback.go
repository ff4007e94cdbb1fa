package main

import (
	"encoding/json"
	"strings"
)

// channelAnswers attributes to a conversation the calls of an answer the
// bot wrote in the channel because Discord would not start its thread
// (bots/discord startThread): they go to the parent channel, not to the
// thread whose id names the conversation. The first post replies to the
// mention (its message_reference); the other posts and the edits carry
// only text, attributed by content: the message holding the marker, or
// the one conversation of that channel whose reply contains the text (no
// stretch of one reply is in another, conversation.go; a text a few
// words short that several replies contain is left unattributed).
type channelAnswers struct {
	byMention map[string]int
	byMarker  map[string]int
	inChannel map[string][]int
	convs     []*conversation
}

func newChannelAnswers(convs []*conversation) *channelAnswers {
	a := &channelAnswers{byMention: map[string]int{}, byMarker: map[string]int{}, inChannel: map[string][]int{}, convs: convs}
	for i, c := range convs {
		if c.platform != "discord" || c.thread == "" {
			continue
		}
		a.byMention[c.thread] = i
		a.byMarker[c.marker] = i
		a.inChannel[c.channel] = append(a.inChannel[c.channel], i)
	}
	return a
}

// owner returns the conversation a call to channel with body belongs to.
func (a *channelAnswers) owner(channel string, body []byte) (int, bool) {
	var b struct {
		Content   string `json:"content"`
		Reference *struct {
			MessageID string `json:"message_id"`
		} `json:"message_reference"`
	}
	if json.Unmarshal(body, &b) != nil {
		return 0, false
	}
	if b.Reference != nil {
		if i, ok := a.byMention[b.Reference.MessageID]; ok && a.convs[i].channel == channel {
			return i, true
		}
	}
	text := strings.TrimSpace(b.Content)
	if text == "" {
		return 0, false
	}
	if i, ok := a.byMarker[findMarker(text)]; ok && a.convs[i].channel == channel {
		return i, true
	}
	found, n := 0, 0
	for _, i := range a.inChannel[channel] {
		if strings.Contains(a.convs[i].reply, text) {
			found, n = i, n+1
		}
	}
	return found, n == 1
}
