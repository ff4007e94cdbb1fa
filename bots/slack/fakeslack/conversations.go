package fakeslack

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// File is an uploaded file, served by files.info and its private URL.
type File struct {
	ID       string
	Name     string
	Title    string
	Mimetype string
	Filetype string
	// Mode is "snippet" for text snippets, "hosted" for uploads.
	Mode    string
	Content []byte
	// InfoOnly hides the URLs in message events (Slack's
	// file_access: check_file_info) so that files.info must be called.
	InfoOnly bool
	// DurationMs is an audio or video clip's length (Slack's
	// duration_ms), sent when set.
	DurationMs int
}

func (f *File) json(base string) map[string]any {
	out := map[string]any{"id": f.ID, "name": f.Name, "title": f.Title,
		"mimetype": f.Mimetype, "filetype": f.Filetype, "mode": f.Mode, "size": len(f.Content)}
	if f.InfoOnly {
		return map[string]any{"id": f.ID, "mode": "file_access", "file_access": "check_file_info"}
	}
	if f.DurationMs > 0 {
		out["duration_ms"] = f.DurationMs
	}
	out["url_private"] = base + "/files-pri/" + f.ID + "/" + url.PathEscape(f.Name)
	out["url_private_download"] = base + "/files-pri/" + f.ID + "/" + url.PathEscape(f.Name) + "?download=1"
	return out
}

// storeFile registers f. Callers hold s.mu.
func (s *Server) storeFile(f *File) {
	if f.ID == "" {
		f.ID = "F" + strconv.Itoa(len(s.files)+1)
	}
	if f.Mode == "" {
		f.Mode = "hosted"
	}
	s.files[f.ID] = f
}

func pageCursor(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte("off:" + strconv.Itoa(offset)))
}

func parseCursor(c string) (int, bool) {
	if c == "" {
		return 0, true
	}
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "off:"))
	return n, err == nil && n >= 0
}

func pageLimit(p url.Values, def, most int) int {
	n, err := strconv.Atoi(p.Get("limit"))
	if err != nil || n <= 0 {
		return min(def, most)
	}
	return min(n, most)
}

// pageMost is the largest page conversations.history/replies serve: 1000
// (Slack's documented maximum), or 15 under the limits of commercially
// distributed non-Marketplace apps ("The maximum and default for the
// limit parameter has been reduced to 15 objects",
// https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps).
func (s *Server) pageMost() int {
	if s.opts.NonMarketplace {
		return 15
	}
	return 1000
}

// page cuts msgs at the cursor and returns the page plus the next cursor.
func (s *Server) page(msgs []*Message, p url.Values, def int) (map[string]any, bool) {
	off, valid := parseCursor(p.Get("cursor"))
	if !valid {
		return nil, false
	}
	limit := pageLimit(p, def, s.pageMost())
	withMeta := p.Get("include_all_metadata") == "1" || p.Get("include_all_metadata") == "true"
	var out []any
	end := min(off+limit, len(msgs))
	for i := off; i < end; i++ {
		out = append(out, messageJSON(msgs[i], withMeta, s.base))
	}
	res := map[string]any{"messages": out, "has_more": end < len(msgs)}
	next := ""
	if end < len(msgs) {
		next = pageCursor(end)
	}
	res["response_metadata"] = map[string]any{"next_cursor": next}
	return res, true
}

func (s *Server) conversationsReplies(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := p.Get("ts")
	c, _, failed, bad := s.lookup(p.Get("channel"), ts, "thread_not_found")
	if bad {
		return failed
	}
	var msgs []*Message
	for _, m := range c.msgs {
		if m.TS == ts || m.ThreadTS == ts {
			if oldest := p.Get("oldest"); oldest != "" && m.TS != ts && m.TS <= oldest {
				continue
			}
			msgs = append(msgs, m)
		}
	}
	res, valid := s.page(msgs, p, 100)
	if !valid {
		return fail("invalid_cursor")
	}
	return ok(res)
}

func (s *Server) conversationsHistory(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := p.Get("channel")
	if res, bad := s.memberCheck(ch); bad {
		return res
	}
	var msgs []*Message // newest first, top level only
	if c := s.channels[ch]; c != nil {
		for i := len(c.msgs) - 1; i >= 0; i-- {
			m := c.msgs[i]
			if m.ThreadTS != "" && m.ThreadTS != m.TS {
				continue
			}
			if latest := p.Get("latest"); latest != "" && (m.TS > latest || m.TS == latest && p.Get("inclusive") != "1" && p.Get("inclusive") != "true") {
				continue
			}
			if oldest := p.Get("oldest"); oldest != "" && (m.TS < oldest || m.TS == oldest && p.Get("inclusive") != "1" && p.Get("inclusive") != "true") {
				continue
			}
			msgs = append(msgs, m)
		}
	}
	res, valid := s.page(msgs, p, 100)
	if !valid {
		return fail("invalid_cursor")
	}
	return ok(res)
}

func (s *Server) usersInfo(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, found := s.users[p.Get("user")]
	if !found {
		return fail("user_not_found")
	}
	return ok(map[string]any{"user": map[string]any{
		"id": u.ID, "team_id": s.opts.TeamID, "name": u.Name, "real_name": u.RealName,
		"is_bot": u.IsBot, "is_admin": u.IsAdmin, "locale": u.Locale,
		"profile": map[string]any{"display_name": u.DisplayName, "real_name": u.RealName},
	}})
}

func (s *Server) filesInfo(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.files[p.Get("file")]
	if !found {
		return fail("file_not_found")
	}
	full := *f
	full.InfoOnly = false
	return ok(map[string]any{"file": full.json(s.base), "comments": []any{},
		"paging": map[string]any{"count": 0, "total": 0, "page": 1, "pages": 1}})
}

// serveFile serves a file's private URL. Without the bot token Slack
// redirects to the sign-in page; so does the fake.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f, found := s.files[r.PathValue("id")]
	s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+s.opts.BotToken {
		http.Redirect(w, r, "/signin?redir="+url.QueryEscape(r.URL.Path), http.StatusFound)
		return
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.Mimetype)
	_, _ = w.Write(f.Content)
}

func (s *Server) assistantSetStatus(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := p.Get("channel_id")
	if res, bad := s.memberCheck(ch); bad {
		return res
	}
	if p.Get("thread_ts") == "" {
		return fail("invalid_thread_ts")
	}
	loading, valid := loadingMessages(p.Get("loading_messages"))
	if !valid {
		return fail("invalid_arguments")
	}
	s.statuses = append(s.statuses, Status{Channel: ch, ThreadTS: p.Get("thread_ts"), Text: p.Get("status"), LoadingMessages: loading})
	return ok(nil)
}

func (s *Server) assistantSetTitle(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Get("channel_id") == "" || p.Get("thread_ts") == "" {
		return fail("invalid_arguments")
	}
	s.titles = append(s.titles, Status{Channel: p.Get("channel_id"), ThreadTS: p.Get("thread_ts"), Text: p.Get("title")})
	return ok(nil)
}

func (s *Server) assistantSetPrompts(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	// thread_ts is optional; an agent_view app that sends it gets ok and
	// nothing set ("Including it in a call for an agent app will cause the
	// call to silently fail",
	// https://docs.slack.dev/reference/methods/assistant.threads.setSuggestedPrompts/).
	if p.Get("channel_id") == "" {
		return fail("invalid_arguments")
	}
	var prompts []map[string]string
	if err := json.Unmarshal([]byte(p.Get("prompts")), &prompts); err != nil || len(prompts) == 0 {
		return fail("invalid_arguments")
	}
	if len(prompts) > 4 {
		return fail("invalid_arguments") // "up to four suggested prompts"
	}
	for _, pr := range prompts {
		if pr["title"] == "" || pr["message"] == "" {
			return fail("invalid_arguments")
		}
	}
	if s.opts.AgentView && p.Get("thread_ts") != "" {
		s.silentFailures++
		return ok(nil)
	}
	s.prompts = append(s.prompts, SuggestedPrompts{Channel: p.Get("channel_id"),
		ThreadTS: p.Get("thread_ts"), Title: p.Get("title"), Prompts: prompts})
	return ok(nil)
}

// NewResponseURL returns a response_url for a command or shortcut payload.
func (s *Server) NewResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responseSeq++
	id := "R" + strconv.Itoa(s.responseSeq)
	s.responseURLs[id] = true
	return s.base + "/response/" + id
}

// NewTriggerID returns a fresh trigger_id, as Slack gives each command
// invocation and interaction its own ("a temporary ID generated for the
// interaction", https://api.slack.com/reference/interaction-payloads/shortcuts).
func (s *Server) NewTriggerID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.triggerSeq++
	id := "1234.5678." + strconv.Itoa(s.triggerSeq) + "trigger"
	if s.triggers == nil {
		s.triggers, s.exchanged = map[string]time.Time{}, map[string]bool{}
	}
	s.triggers[id] = s.opts.Now()
	return id
}

func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var body struct {
		Text            string           `json:"text"`
		ResponseType    string           `json:"response_type"`
		ReplaceOriginal bool             `json:"replace_original"`
		Blocks          []map[string]any `json:"blocks"`
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(raw, &body)
	}
	s.mu.Lock()
	known := s.responseURLs[id]
	if known && err == nil {
		s.responses = append(s.responses, Response{ID: id, Text: body.Text,
			ResponseType: body.ResponseType, ReplaceOriginal: body.ReplaceOriginal, Blocks: body.Blocks})
	}
	s.mu.Unlock()
	switch {
	case !known:
		http.Error(w, "invalid_token", http.StatusNotFound)
	case err != nil:
		http.Error(w, "invalid_payload", http.StatusBadRequest)
	default:
		_, _ = io.WriteString(w, "ok")
	}
}
