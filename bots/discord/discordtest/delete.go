package discordtest

import (
	"net/http"
	"slices"
)

// deleteMessage serves DELETE /channels/{id}/messages/{id}: the bot may
// delete its own messages (others need Manage Messages, which the fake's
// bot does not have). Discord answers 204 and dispatches MESSAGE_DELETE.
func (s *Server) deleteMessage(w http.ResponseWriter, cid, mid string) {
	s.mu.Lock()
	msg := s.findMessage(cid, mid)
	if msg == nil {
		s.mu.Unlock()
		writeError(w, 404, 10008, "Unknown Message")
		return
	}
	if msg.Author == nil || msg.Author.ID != s.bot.ID {
		s.mu.Unlock()
		writeError(w, 403, 50013, "Missing Permissions")
		return
	}
	s.messages[cid] = slices.DeleteFunc(s.messages[cid], func(m *Message) bool { return m.ID == mid })
	guild := msg.GuildID
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	s.Dispatch("MESSAGE_DELETE", map[string]any{"id": mid, "channel_id": cid, "guild_id": guild})
}
