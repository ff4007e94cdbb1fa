package discordtest

import "net/url"

// ExpireAttachment makes a's CDN URL answer as an expired signed link
// does: 404 (Discord signs attachment URLs with ex/is/hm parameters and
// answers 404 "This content is no longer available." past ex;
// useapi/discord-cdn-proxy README). The real API hands out a fresh URL
// in the next message listing; here the file is gone for good.
func (s *Server) ExpireAttachment(a Attachment) {
	u, err := url.Parse(a.URL)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.attachments, u.Path)
}
