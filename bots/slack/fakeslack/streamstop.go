package fakeslack

import "net/url"

// Slack's own stop control on a streamed message: in agent conversations
// the recipient can stop a stream while it is written; Slack then refuses
// further chat.appendStream calls with stopped_by_user
// (Actual-Chat/actual-chat#4720 quotes it: "chat.appendStream returns
// stopped_by_user once a reader has stopped the stream, and further appends
// are refused"). No event tells the app: message_stream_stopped is not a
// subscribable bot event (agentconnect-md/agentconnect#1494). The stream
// is over: chat.stopStream answers message_not_in_streaming_state.

// StopStreamAsUser stops the stream ts in channel as its recipient would,
// and reports whether it was streaming.
func (s *Server) StopStreamAsUser(channel, ts string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channel]
	if c == nil {
		return false
	}
	m := c.find(ts)
	if m == nil || !m.Streaming {
		return false
	}
	m.Streaming, m.StoppedByUser = false, true
	return true
}

// stoppedByUser reports whether the chat.appendStream call p targets a
// stream its recipient stopped. Callers hold s.mu.
func (s *Server) stoppedByUser(p url.Values) bool {
	c := s.channels[p.Get("channel")]
	if c == nil {
		return false
	}
	m := c.find(p.Get("ts"))
	return m != nil && m.StoppedByUser
}
