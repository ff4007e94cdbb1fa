package discordtest

import (
	"encoding/json"
	"strings"
	"time"
)

// maxNonce is the longest nonce Discord accepts ("up to 25 characters",
// https://discord.com/developers/docs/resources/message#create-message-jsonform-params).
const maxNonce = 25

// nonceKey names a create by its author and nonce: Discord returns the
// first message "created by the same author with the same nonce".
type nonceKey struct{ author, nonce string }

type nonceEntry struct {
	channel, id string
	at          time.Time
}

// nonceString reads a nonce (a JSON string or integer); ok is false when
// it is longer than Discord allows.
func nonceString(raw json.RawMessage) (nonce string, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = strings.TrimSpace(string(raw))
	}
	return s, len(s) <= maxNonce
}

// nonceMessage returns the message author created with nonce within the
// nonce window before now, nil if none; the caller holds s.mu.
func (s *Server) nonceMessage(author, nonce string, now time.Time) *Message {
	e, ok := s.nonces[nonceKey{author, nonce}]
	if !ok || now.Sub(e.at) > s.opts.NonceWindow {
		return nil
	}
	return s.findMessage(e.channel, e.id)
}

// rememberNonce records the message a create with nonce made; the caller
// holds s.mu.
func (s *Server) rememberNonce(author, nonce string, m *Message, now time.Time) {
	if s.nonces == nil {
		s.nonces = map[nonceKey]nonceEntry{}
	}
	s.nonces[nonceKey{author, nonce}] = nonceEntry{channel: m.ChannelID, id: m.ID, at: now}
}

// NonceHits returns how many creates were answered with the message an
// earlier create with the same nonce made.
func (s *Server) NonceHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nonceHits
}
