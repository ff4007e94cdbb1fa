package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

var promptNow = time.Date(2026, 11, 25, 14, 3, 0, 0, time.UTC)

func userTurn(id, name, text string) bots.Turn {
	return bots.Turn{Role: bots.UserTurn, ID: id, Name: name, Text: text}
}
func botTurn(id, text string) bots.Turn { return bots.Turn{Role: bots.BotTurn, ID: id, Text: text} }

func TestBuildPromptShape(t *testing.T) {
	e := testEngine(t, Options{})
	p := e.buildPrompt(promptInput{
		settings: bots.Settings{Language: bots.LanguageAuto, SystemPrompt: "You are helpful."},
		platform: bots.Slack, now: promptNow,
		turns: []bots.Turn{
			botTurn("0", "Hello, I started this thread."),
			userTurn("1", "Alice", "what is Go?"),
			botTurn("2", "A language."),
			botTurn("3", "(continued)"),
			userTurn("4", "Bob", "who made it?"),
			userTurn("5", "Alice", "and when?"),
		},
	})
	roles := make([]bots.Role, len(p.messages))
	for i, m := range p.messages {
		roles[i] = m.Role
	}
	want := []bots.Role{bots.RoleSystem, bots.RoleUser, bots.RoleAssistant, bots.RoleUser}
	if fmt.Sprint(roles) != fmt.Sprint(want) {
		t.Fatalf("roles = %v, want %v", roles, want)
	}
	sys := p.messages[0].Content
	for _, s := range []string{"You are helpful.", "Answer in the language of the user's latest message.", "Slack", "Markdown", "25 November 2026"} {
		if !strings.Contains(sys, s) {
			t.Errorf("system message lacks %q:\n%s", s, sys)
		}
	}
	if got := p.messages[1].Content; got != "(Your earlier message in this thread) Hello, I started this thread.\nAlice: what is Go?" {
		t.Errorf("first user message = %q", got)
	}
	if got := p.messages[2].Content; got != "A language.\n(continued)" {
		t.Errorf("assistant message = %q", got)
	}
	if got := p.messages[3].Content; got != "Bob: who made it?\nAlice: and when?" {
		t.Errorf("last user message = %q", got)
	}
	if p.dropped != 0 {
		t.Errorf("dropped = %d, want 0", p.dropped)
	}
}

func TestLanguageInstruction(t *testing.T) {
	e := testEngine(t, Options{})
	for _, tc := range []struct {
		lang, answerIn, want, notWant string
	}{
		{lang: bots.LanguageAuto, want: "Answer in the language of the user's latest message.", notWant: "Always answer in"},
		{lang: "fr", want: "Always answer in French, whatever language the user writes in", notWant: "latest message"},
		{lang: "de", want: "Always answer in German", notWant: "latest message"},
		{lang: "fr", answerIn: "it", want: "Always answer in Italian", notWant: "French"},
	} {
		p := e.buildPrompt(promptInput{settings: bots.Settings{Language: tc.lang}, platform: bots.Discord, now: promptNow,
			answerIn: tc.answerIn, turns: []bots.Turn{userTurn("1", "A", "Hello there")}})
		sys := p.messages[0].Content
		if !strings.Contains(sys, tc.want) || strings.Contains(sys, tc.notWant) {
			t.Errorf("lang %q/%q: system message %q, want %q without %q", tc.lang, tc.answerIn, sys, tc.want, tc.notWant)
		}
		if n := strings.Count(fmt.Sprint(p.messages), "system"); n != 1 || p.messages[0].Role != bots.RoleSystem {
			t.Errorf("want exactly one leading system message, got %v", p.messages)
		}
	}
}

func TestBuildPromptAttachments(t *testing.T) {
	e := testEngine(t, Options{})
	tu := userTurn("1", "Ann", "what does this do?")
	tu.Attachments = []bots.Attachment{{Name: "main.py", Text: "print('```')\n", Truncated: true}}
	p := e.buildPrompt(promptInput{settings: bots.Settings{Language: bots.LanguageAuto}, platform: bots.Slack, now: promptNow, turns: []bots.Turn{tu}})
	want := "Ann: what does this do?\n\nFile `main.py`:\n````python\nprint('```')\n````\n(The file was truncated here; the rest is not available.)"
	if got := p.messages[1].Content; got != want {
		t.Errorf("content =\n%s\nwant\n%s", got, want)
	}
}

func TestBuildPromptTrims(t *testing.T) {
	e := testEngine(t, Options{ContextTokens: 1300, MaxTokens: 1000})
	var turns []bots.Turn
	for i := range 40 {
		if i%2 == 0 {
			turns = append(turns, userTurn(fmt.Sprint(i), "U", fmt.Sprintf("question %d %s", i, strings.Repeat("word ", 20))))
		} else {
			turns = append(turns, botTurn(fmt.Sprint(i), fmt.Sprintf("answer %d %s", i, strings.Repeat("word ", 20))))
		}
	}
	turns = append(turns, userTurn("q", "U", "the final question"))
	p := e.buildPrompt(promptInput{settings: bots.Settings{Language: bots.LanguageAuto}, platform: bots.Slack, now: promptNow, turns: turns})
	if p.dropped == 0 || p.dropped >= len(turns) {
		t.Fatalf("dropped = %d of %d", p.dropped, len(turns))
	}
	if p.messages[1].Role != bots.RoleUser {
		t.Errorf("first message after system is %s", p.messages[1].Role)
	}
	last := p.messages[len(p.messages)-1]
	if !strings.HasSuffix(last.Content, "U: the final question") {
		t.Errorf("last message %q lost the question", last.Content)
	}
	if p.tokens > 300 {
		t.Errorf("estimated %d tokens, budget 300", p.tokens)
	}
	// The newest turns survive, the oldest go.
	all := fmt.Sprint(p.messages)
	if !strings.Contains(all, "answer 39") || strings.Contains(all, "question 0 ") {
		t.Errorf("kept the wrong turns: %s", all)
	}
	// The question alone is kept even when it does not fit.
	huge := userTurn("h", "U", strings.Repeat("long ", 2000))
	p = e.buildPrompt(promptInput{settings: bots.Settings{Language: bots.LanguageAuto}, platform: bots.Slack, now: promptNow, turns: []bots.Turn{userTurn("a", "U", "hi"), huge}})
	if len(p.messages) != 2 || p.dropped != 1 {
		t.Errorf("oversized question: %d messages, dropped %d", len(p.messages), p.dropped)
	}
}

func TestFenceLanguage(t *testing.T) {
	for name, want := range map[string]string{"a.py": "python", "b.go": "go", "Makefile": "", "c.": "", "x.TS": "typescript", "notes.txt": ""} {
		if got := fenceLanguage(name); got != want {
			t.Errorf("fenceLanguage(%q) = %q, want %q", name, got, want)
		}
	}
}

// thread200 is a 200-message thread of three people and the bot.
func thread200() []bots.Turn {
	turns := make([]bots.Turn, 0, 200)
	names := []string{"Alice", "Bob", "Chloé"}
	for i := range 200 {
		if i%3 == 2 {
			turns = append(turns, botTurn(fmt.Sprint(i), "Here is what I think about point "+fmt.Sprint(i)+": "+strings.Repeat("the answer goes on with details. ", 8)))
		} else {
			turns = append(turns, userTurn(fmt.Sprint(i), names[i%3], "Message "+fmt.Sprint(i)+": "+strings.Repeat("could you explain this part? ", 4)))
		}
	}
	return turns
}

func TestBuildPrompt200(t *testing.T) {
	e := testEngine(t, Options{ContextTokens: 131072, MaxTokens: 1024})
	p := e.buildPrompt(promptInput{settings: bots.Settings{Language: "fr"}, platform: bots.Slack, now: promptNow, turns: thread200()})
	if p.dropped != 0 || p.messages[0].Role != bots.RoleSystem {
		t.Fatalf("dropped %d, first role %s", p.dropped, p.messages[0].Role)
	}
	for i := 1; i < len(p.messages); i++ {
		if p.messages[i].Role == p.messages[i-1].Role {
			t.Fatalf("messages %d and %d share role %s", i-1, i, p.messages[i].Role)
		}
	}
}

// BenchmarkBuildPrompt builds the prompt of a 200-message thread that fits
// (the usual case) and one that must be trimmed.
func BenchmarkBuildPrompt(b *testing.B) {
	turns := thread200()
	for _, ctxTokens := range []int{131072, 8192} {
		b.Run(fmt.Sprintf("context=%d", ctxTokens), func(b *testing.B) {
			e := testEngine(b, Options{ContextTokens: ctxTokens, MaxTokens: 1024})
			in := promptInput{settings: bots.Settings{Language: bots.LanguageAuto, SystemPrompt: "You are a helpful assistant."}, platform: bots.Slack, now: promptNow, turns: turns}
			b.ReportAllocs()
			for b.Loop() {
				_ = e.buildPrompt(in)
			}
		})
	}
}

// FuzzBuildPrompt checks the prompt's invariants on arbitrary threads: one
// leading system message, roles alternating, a user turn first and last,
// the question kept, and nothing but dropped turns lost.
func FuzzBuildPrompt(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 0, 1, 0}, "some text", 400)
	f.Add([]byte{1, 1, 0}, "```go\n```", 120)
	f.Fuzz(func(t *testing.T, roles []byte, text string, ctxTokens int) {
		if len(roles) == 0 || len(roles) > 300 {
			return
		}
		e := testEngine(t, Options{ContextTokens: 1100 + int(uint(ctxTokens)%100000), MaxTokens: 1000})
		turns := make([]bots.Turn, len(roles))
		for i, r := range roles {
			turns[i] = bots.Turn{Role: bots.TurnRole(r % 2), ID: fmt.Sprint(i), Name: "N", Text: fmt.Sprint(i, text)}
		}
		turns[len(turns)-1].Role = bots.UserTurn
		p := e.buildPrompt(promptInput{settings: bots.Settings{Language: bots.LanguageAuto}, platform: bots.Slack, now: promptNow, turns: turns})
		if p.messages[0].Role != bots.RoleSystem || len(p.messages) < 2 {
			t.Fatalf("messages %v", p.messages)
		}
		for i, m := range p.messages[1:] {
			if m.Role == bots.RoleSystem || (i > 0 && m.Role == p.messages[i].Role) {
				t.Fatalf("message %d: role %s after %s", i+1, m.Role, p.messages[i].Role)
			}
		}
		if p.messages[1].Role != bots.RoleUser || p.messages[len(p.messages)-1].Role != bots.RoleUser {
			t.Fatalf("first or last turn is not the user's: %v", p.messages)
		}
		if !strings.HasSuffix(p.messages[len(p.messages)-1].Content, "N: "+turns[len(turns)-1].Text) {
			t.Fatal("the question was lost")
		}
		all := fmt.Sprint(p.messages)
		for _, tu := range turns[p.dropped:] {
			want := tu.Text
			if tu.Role == bots.BotTurn {
				// The bot's own notices (and trailing white space) are
				// taken out of its turns before the model sees them.
				want = i18n.StripNotices(want)
			}
			if !strings.Contains(all, want) {
				t.Fatalf("kept turn %q missing", want)
			}
		}
	})
}
