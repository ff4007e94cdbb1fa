package discord

// The fault contract of the Discord sinks: for each fault Discord (the
// fake, at the network edge) can answer the answer's calls with, on each
// sink (the thread started from a mention, the channel when the thread
// could not be started, an interaction's responses), the platform ends
// with exactly one complete answer or exactly one notice to the asker.

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// noticeMark starts every notice (English catalog).
const noticeMark = "I couldn't post my answer"

// contractPlace is where one sink's answer goes and how to read it.
type contractPlace struct {
	// postMethod and postPath are the answer's first create (exact path);
	// editMethod and editPath its edits (editPath may end with "*").
	postMethod, postPath string
	editMethod, editPath string
	// channel holds the answer's messages (thread and channel sinks).
	channel string
	// answer is the visible text of the answer; notices every notice the
	// asker got, wherever.
	answer  func() string
	notices func() []string
	// first returns the id of the answer's first message ("" if none).
	first func() string
}

type contractFault struct {
	name string
	// edit applies the fault to the answer's edits once its first text is
	// visible; otherwise to its first create, before the question.
	edit   bool
	fault  discordtest.Fault
	reset  bool // a connection reset before the request is sent (client side)
	remove bool // a moderator deletes the answer's first message mid-stream
	// archive archives the thread mid-stream (thread sink only).
	archive bool
	notice  bool // the outcome is one notice, else one whole answer
	sinks   string
}

func TestFaultContract(t *testing.T) {
	t.Parallel()
	ms50 := 50 * time.Millisecond
	faults := []contractFault{
		{name: "429 once on the post", fault: discordtest.Fault{Kind: discordtest.Fault429, RetryAfter: ms50}},
		{name: "429 storm on edits within the retries", edit: true, fault: discordtest.Fault{Kind: discordtest.Fault429, RetryAfter: ms50, N: 3}},
		{name: "global 429 on the post", fault: discordtest.Fault{Kind: discordtest.Fault429, RetryAfter: ms50, Global: true}},
		{name: "502 HTML on the post", fault: discordtest.Fault{Kind: discordtest.FaultHTML, N: 2}},
		{name: "503 HTML on edits", edit: true, fault: discordtest.Fault{Kind: discordtest.FaultHTML, Status: 503, N: 2}},
		{name: "504 HTML on edits", edit: true, fault: discordtest.Fault{Kind: discordtest.FaultHTML, Status: 504, N: 1}},
		{name: "reset before sending the post", reset: true, sinks: "thread channel"},
		{name: "broken after the post", fault: discordtest.Fault{Kind: discordtest.FaultBreakAfter}},
		{name: "broken after an edit", edit: true, fault: discordtest.Fault{Kind: discordtest.FaultBreakAfter}},
		{name: "undecodable 2xx on the post", fault: discordtest.Fault{Kind: discordtest.FaultGarbled}},
		{name: "mistyped 2xx on the post", fault: discordtest.Fault{Kind: discordtest.FaultMistyped}},
		{name: "50035 on the post", fault: discordtest.Fault{Code: 50035, N: -1}, notice: true},
		{name: "40005 on the post", fault: discordtest.Fault{Code: 40005, N: -1}, notice: true},
		{name: "50013 on the post", fault: discordtest.Fault{Code: 50013, N: -1}, notice: true, sinks: "thread channel"},
		{name: "10003 on the post", fault: discordtest.Fault{Code: 10003, N: -1}, notice: true, sinks: "thread"},
		{name: "30046 on an edit", edit: true, fault: discordtest.Fault{Code: 30046}},
		{name: "50035 on an edit", edit: true, fault: discordtest.Fault{Code: 50035}},
		{name: "message deleted mid-stream", remove: true, sinks: "thread channel"},
		{name: "thread archived mid-stream", archive: true, notice: true, sinks: "thread"},
	}
	for _, sink := range []string{"thread", "channel", "interaction"} {
		for _, f := range faults {
			if f.sinks != "" && !strings.Contains(f.sinks, sink) {
				continue
			}
			t.Run(sink+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				runContract(t, sink, f)
			})
		}
	}
}

func runContract(t *testing.T, sink string, f contractFault) {
	answer := slowAnswer(30)
	var rt *resetTransport
	h := newHarness(t, harnessConfig{
		llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 15 * time.Millisecond},
		adapter: func(o *Options) {
			fastRetries(o)
			if f.reset {
				base := &http.Transport{}
				t.Cleanup(base.CloseIdleConnections)
				rt = &resetTransport{base: base, method: "POST", part: "/messages"}
				o.HTTPClient = &http.Client{Transport: rt}
			}
		},
	})
	general := h.dc.Options().GeneralID
	dm := h.dc.DMChannel(h.alice.ID)
	noticesIn := func(channels ...string) []string {
		var out []string
		for _, c := range channels {
			for _, m := range h.botMessages(c) {
				if strings.Contains(m.Content, noticeMark) {
					out = append(out, m.Content)
				}
			}
		}
		return out
	}
	answerIn := func(c string) string {
		var b strings.Builder
		for _, m := range h.botMessages(c) {
			if !strings.Contains(m.Content, noticeMark) {
				b.WriteString(m.Content + "\n") // Discord trims each message
			}
		}
		return b.String()
	}
	var p contractPlace
	var ask func()
	switch sink {
	case "thread", "channel":
		id := nextID(h)
		p.channel = id
		if sink == "channel" {
			// The thread cannot be started: the answer goes to the channel.
			h.dc.Inject(discordtest.Fault{Method: "POST", Path: "/channels/" + general + "/messages/" + id + "/threads", Code: 50013})
			p.channel = general
		}
		p.postMethod, p.postPath = "POST", "/channels/"+p.channel+"/messages"
		p.editMethod, p.editPath = "PATCH", "/channels/"+p.channel+"/messages/*"
		p.answer = func() string { return answerIn(p.channel) }
		p.notices = func() []string { return noticesIn(id, general, dm) }
		p.first = func() string {
			if msgs := h.botMessages(p.channel); len(msgs) > 0 {
				return msgs[0].ID
			}
			return ""
		}
		ask = func() {
			if q := h.mention("a question"); q.ID != id {
				t.Fatalf("mention %s, want %s", q.ID, id)
			}
		}
		if rt != nil {
			rt.part = p.postPath
			rt.left.Store(2)
		}
	case "interaction":
		in := h.dc.RegisterInteraction(h.dc.SlashCommand(h.invoker(), "ask", discordtest.Option{Name: "question", Type: 3, Value: "a question"}))
		orig := "/webhooks/" + h.dc.Options().AppID + "/" + in.Token + "/messages/@original"
		p.postMethod, p.postPath = "PATCH", orig
		p.editMethod, p.editPath = "PATCH", orig
		p.answer = func() string {
			r := h.dc.InteractionResponse(in.Token)
			var b strings.Builder
			if r.Original != nil {
				b.WriteString(r.Original.Content + "\n")
			}
			for _, m := range r.Followups {
				if m.Flags&64 == 0 {
					b.WriteString(m.Content + "\n")
				}
			}
			// Parts that went on as channel messages (the token gone).
			for _, m := range h.botMessages(general) {
				if m.WebhookID == "" && !strings.Contains(m.Content, noticeMark) {
					b.WriteString(m.Content + "\n")
				}
			}
			return b.String()
		}
		p.notices = func() []string {
			out := noticesIn(general, dm)
			for _, m := range h.dc.InteractionResponse(in.Token).Followups {
				if strings.Contains(m.Content, noticeMark) {
					out = append(out, m.Content)
				}
			}
			return out
		}
		p.first = func() string { return "" }
		ask = func() { h.dc.Dispatch("INTERACTION_CREATE", in) }
	}
	fault := f.fault
	var once sync.Once
	injectEdit := func() {
		once.Do(func() {
			fault.Method, fault.Path = p.editMethod, p.editPath
			h.dc.Inject(fault)
		})
	}
	if !f.edit && !f.reset && !f.remove && !f.archive {
		fault.Method, fault.Path = p.postMethod, p.postPath
		h.dc.Inject(fault)
	}
	ask()
	if f.edit || f.remove || f.archive {
		h.waitFor("the first text", 10*time.Second, func() bool { return squash(p.answer()) != "" })
		if squash(p.answer()) == squash(answer) {
			t.Fatal("the answer was whole before the fault; the stream is too fast")
		}
		switch {
		case f.edit:
			injectEdit()
		case f.remove:
			if !h.dc.RemoveMessage(p.channel, p.first()) {
				t.Fatal("no message to delete")
			}
		case f.archive:
			h.dc.ArchiveThread(p.channel, true)
		}
	}
	if f.notice {
		h.waitFor("the notice", 15*time.Second, func() bool { return len(p.notices()) > 0 })
		if n := p.notices(); len(n) != 1 {
			t.Errorf("%d notices, want exactly 1: %q", len(n), n)
		}
		if got := p.answer(); squash(got) == squash(answer) {
			t.Errorf("a notice and a whole answer")
		}
	} else {
		ok := false
		defer func() {
			if !ok {
				t.Logf("answer %q\nrequests %q", p.answer(), webhookRequests(h))
			}
		}()
		h.waitFor("the whole answer", 15*time.Second, func() bool {
			ok = squash(p.answer()) == squash(answer)
			return ok || len(p.notices()) > 0
		})
		if !ok {
			t.Fatalf("answer %q, notices %q, interaction %+v", p.answer(), p.notices(), webhookRequests(h))
		}
		if n := p.notices(); len(n) != 0 {
			t.Errorf("a whole answer and notices: %q", n)
		}
	}
	// Once the reply has ended, nothing more arrived: no late duplicate,
	// no second notice.
	h.waitFor("the reply to end", 15*time.Second, func() bool { return h.eng.InFlight() == 0 })
	if n := p.notices(); (f.notice && len(n) != 1) || (!f.notice && (len(n) != 0 || squash(p.answer()) != squash(answer))) {
		t.Errorf("after the reply ended: answer %q, notices %q", p.answer(), n)
	}
	if f.fault != (discordtest.Fault{}) && h.dc.Served() == 0 {
		t.Error("the fault was never served")
	}
	if rt != nil && rt.served.Load() == 0 {
		t.Error("no reset was served")
	}
	h.checkNoMentions()
}

// webhookRequests lists the interaction calls recorded, for a failure's log.
func webhookRequests(h *harness) []string {
	var out []string
	for _, r := range h.dc.Requests() {
		if strings.HasPrefix(r.Path, "/webhooks") || strings.HasPrefix(r.Path, "/interactions") {
			out = append(out, r.Method+" "+r.Path+" "+string(r.Body)+" "+http.StatusText(r.Status))
		}
	}
	return out
}
