package slack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMrkdwn(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "hello world", "hello world"},
		{"bold", "a **bold** b", "a *bold* b"},
		{"bold underscores", "a __bold__ b", "a *bold* b"},
		{"italic star", "an *italic* word", "an _italic_ word"},
		{"italic underscore", "an _italic_ word", "an _italic_ word"},
		{"bold italic", "***both***", "*_both_*"},
		{"nested", "**bold _and it_**", "*bold _and it_*"},
		{"strike", "~~gone~~", "~gone~"},
		{"snake case", "use snake_case_names here", "use snake_case_names here"},
		{"lone star", "2 * 3 * 4", "2 * 3 * 4"},
		{"unclosed bold", "**not closed", "**not closed"},
		{"link", "see [the docs](https://go.dev/doc)", "see <https://go.dev/doc|the docs>"},
		{"link with title", `[x](https://a.b/c "T")`, "<https://a.b/c|x>"},
		{"link label formatting", "[**Go** `spec`](https://go.dev/ref/spec)", "<https://go.dev/ref/spec|Go spec>"},
		{"link bad scheme", "[click](javascript:alert(1))", "click (javascript:alert(1))"},
		{"link pipe in url", "[x](https://a.b/?q=a|b>c)", "<https://a.b/?q=a%7Cb%3Ec|x>"},
		{"link ampersand", "[x](https://a.b/?a=1&b=2)", "<https://a.b/?a=1&amp;b=2|x>"},
		{"image", "![diagram](https://img/x.png)", "<https://img/x.png|diagram>"},
		{"autolink", "<https://go.dev>", "<https://go.dev>"},
		{"heading", "## Setup **now**", "*Setup now*"},
		{"heading closing hashes", "# Title #", "*Title*"},
		{"setext", "Title\n=====", "*Title*"},
		{"bullets", "- one\n* two\n+ three", "• one\n• two\n• three"},
		{"nested bullets", "- a\n  - b", "• a\n  • b"},
		{"tasks", "- [ ] todo\n- [x] done", "☐ todo\n☑ done"},
		{"ordered", "1. first\n2) second", "1. first\n2. second"},
		{"quote", "> quoted **x**", "> quoted *x*"},
		{"hr", "a\n\n---\n\nb", "a\n\n──────────\n\nb"},
		{"inline code", "run `go test ./...` now", "run `go test ./...` now"},
		{"inline code escaped", "`a < b && c > d`", "`a &lt; b &amp;&amp; c &gt; d`"},
		{"inline code keeps stars", "`**not bold**`", "`**not bold**`"},
		{"fence drops language", "```go\nfmt.Println(\"<hi>\")\n```", "```\nfmt.Println(\"&lt;hi&gt;\")\n```"},
		{"fence keeps markdown", "```\n# not a heading\n**x**\n```", "```\n# not a heading\n**x**\n```"},
		{"tilde fence", "~~~python\nx = 1\n~~~", "```\nx = 1\n```"},
		{"unclosed fence", "```sh\nls", "```\nls\n```"},
		{"escape", "a < b & c > d", "a &lt; b &amp; c &gt; d"},
		{"entities", "&lt;tag&gt; &amp; &quot;q&quot;", `&lt;tag&gt; &amp; "q"`},
		{"channel", "hey <!channel> and <!here|here>", "hey &lt;!channel&gt; and &lt;!here|here&gt;"},
		{"user mention", "ping <@U123> or <!subteam^S1>", "ping &lt;@U123&gt; or &lt;!subteam^S1&gt;"},
		{"raw mrkdwn link", "<https://evil|x> <mailto:a@b>", "<https://evil%7Cx> <mailto:a@b>"},
		{"br", "a<br>b", "a\nb"},
		{"escaped star", `\*not italic\*`, "*not italic*"},
		{"crlf", "a\r\nb", "a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mrkdwn(tt.in); got != tt.want {
				t.Errorf("Mrkdwn(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMrkdwnTable(t *testing.T) {
	in := "| Name | Size |\n|---|:---:|\n| **a** | 1 |\n| long name | <b> |\n\nafter"
	want := "```\nName      | Size\n----------+-----\na         | 1\nlong name | &lt;b&gt;\n```\n\nafter"
	if got := Mrkdwn(in); got != want {
		t.Errorf("table\n got %q\nwant %q", got, want)
	}
}

// TestMrkdwnGolden converts a realistic model answer and compares it with
// testdata/answer.mrkdwn (run with UPDATE_GOLDEN=1 to rewrite).
func TestMrkdwnGolden(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "answer.md"))
	if err != nil {
		t.Fatal(err)
	}
	got := Mrkdwn(string(in))
	path := filepath.Join("testdata", "answer.mrkdwn")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("golden mismatch:\n%s", got)
	}
	checkNoMentionTokens(t, got)
}

// checkNoMentionTokens fails when s holds a "<" that does not open a link
// the converter wrote, i.e. anything that could be a mention token.
func checkNoMentionTokens(t testing.TB, s string) {
	t.Helper()
	if err := mentionSafe(s); err != "" {
		t.Fatalf("unsafe output: %s\n%q", err, s)
	}
}

func mentionSafe(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		rest := strings.ToLower(s[i+1:])
		if !strings.HasPrefix(rest, "http://") && !strings.HasPrefix(rest, "https://") && !strings.HasPrefix(rest, "mailto:") {
			return "a < that opens no link at " + s[i:min(len(s), i+20)]
		}
		end := strings.IndexAny(s[i+1:], "<>\n")
		if end < 0 || s[i+1+end] != '>' {
			return "an unterminated link at " + s[i:min(len(s), i+20)]
		}
	}
	return ""
}

func FuzzMrkdwn(f *testing.F) {
	for _, s := range []string{"**a**", "<!channel>", "[x](https://a|<!here>)", "```go\n<@U1>\n```",
		"| a | b |\n|---|---|\n| <!everyone> | c |", "<https://x><!here>", "*_~`[!](<>)`~_*", "&lt;!channel&gt;",
		"[a](<https://x>)", "<mailto:a@b|<!channel>>", "![<@U1>](https://i)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		out := Mrkdwn(md)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 output for %q", md)
		}
		if msg := mentionSafe(out); msg != "" {
			t.Fatalf("%s\nin:  %q\nout: %q", msg, md, out)
		}
		for _, tok := range []string{"<!", "<@", "<#"} {
			if strings.Contains(out, tok) {
				t.Fatalf("output contains %q\nin:  %q\nout: %q", tok, md, out)
			}
		}
	})
}

func BenchmarkMrkdwn(b *testing.B) {
	in, err := os.ReadFile(filepath.Join("testdata", "answer.md"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Mrkdwn(string(in))
	}
}

func BenchmarkMrkdwnPathological(b *testing.B) {
	in := strings.Repeat("*_[`~", 2000)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Mrkdwn(in)
	}
}
