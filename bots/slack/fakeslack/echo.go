package fakeslack

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Slack sends an app the message events of its own posts too, marked with
// bot_id and bot_profile (https://docs.slack.dev/reference/events/message:
// "bot_id ... for messages posted by apps"); an app that does not ignore
// them answers itself. With Options.EchoBotMessages the fake does the
// same: each chat.postMessage of the bot comes back as a message event,
// over the socket when one is connected, else to the events URL set with
// SetEventsURL.

type echoState struct {
	mu     sync.Mutex
	url    string
	client *http.Client
	sent   int
	wg     sync.WaitGroup
}

// SetEventsURL sets where echoed events are POSTed (signed) when no
// socket is connected: the app's /slack/events.
func (s *Server) SetEventsURL(url string, client *http.Client) {
	s.echo.mu.Lock()
	s.echo.url, s.echo.client = url, client
	s.echo.mu.Unlock()
}

// Echoed returns how many echo events were delivered.
func (s *Server) Echoed() int {
	s.echo.mu.Lock()
	defer s.echo.mu.Unlock()
	return s.echo.sent
}

// botEvent is the message event of a message the bot posted: bot_id,
// bot_profile and app_id, blocks, and no client_msg_id.
func (s *Server) botEvent(m Message) map[string]any {
	ev := s.MessageEvent(m, MessageEv)
	ev["app_id"] = s.opts.AppID
	ev["bot_profile"] = map[string]any{"id": s.opts.BotID, "app_id": s.opts.AppID, "name": s.opts.BotName,
		"team_id": s.opts.TeamID, "deleted": false}
	return ev
}

// echoPost delivers the event of a bot post. Callers hold s.mu.
func (s *Server) echoPost(m *Message) {
	if !s.opts.EchoBotMessages {
		return
	}
	msg := *m
	s.echo.wg.Add(1)
	go func() {
		defer s.echo.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		body := s.EventCallback("EvEcho"+msg.TS, s.botEvent(msg))
		delivered := false
		if s.Connections() > 0 {
			_, err := s.Send(ctx, Envelope{Type: "events_api", Payload: body})
			delivered = err == nil
		} else {
			s.echo.mu.Lock()
			url, client := s.echo.url, s.echo.client
			s.echo.mu.Unlock()
			if url != "" {
				status, _, err := s.Deliver(ctx, client, url, Delivery{Body: body})
				delivered = err == nil && status == http.StatusOK
			}
		}
		if delivered {
			s.echo.mu.Lock()
			s.echo.sent++
			s.echo.mu.Unlock()
		}
	}()
}
