package fetch

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExtractText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, title, text string }{
		{`<p>a</p><p>b</p>`, "", "a\nb"},
		{`<div>x <script>alert("<b>")</script>y</div>`, "", "x y"},
		{`<SCRIPT type=x>1</SCRIPT >after`, "", "after"},
		{`<style>p{}</style><p>one&lt;two&gt; &eacute;&#233;</p>`, "", "one<two> éé"},
		{`<pre>  indented
    code</pre><p>next</p>`, "", "  indented\n    code\nnext"},
		{`<a href="x>y">link</a> text`, "", "link text"},
		{`a < b and c<d`, "", "a < b and c"}, // "<d" opens a tag, as in a browser
		{`<p>unclosed <b>bold`, "", "unclosed bold"},
		{`<script>never closed`, "", ""},
		{`<!-- never closed`, "", ""},
		{`<title>T</title><p>x`, "T", "x"},
		{`<table><tr><td>a</td><td>b</td></tr></table>`, "", "a b"},
		{`<p>a</p>` + strings.Repeat("<br>", 10) + `<p>b</p>`, "", "a\nb"},
		{`<![CDATA[x]]><?xml?>t`, "", "t"},
		// Case folding that changes byte lengths before the closing tag:
		// "Ⱥ" (2 bytes) lowers to 3, the Kelvin sign (3 bytes) to 1.
		{"<script>" + strings.Repeat("\u023a", 20) + "</script>after", "", "after"},
		{"<style>" + strings.Repeat("\u212a", 20) + "</STYLE>after", "", "after"},
		{"<script></scrip></b></SCRIPT>after", "", "after"},
	} {
		title, text := extractText([]byte(tc.in))
		if title != tc.title || text != tc.text {
			t.Errorf("%q: title %q text %q, want %q %q", tc.in, title, text, tc.title, tc.text)
		}
	}
}

func FuzzPageText(f *testing.F) {
	for _, seed := range []string{`<p>a</p>`, `<script>x</script>`, `<a href='>'>`, `<!--`, `<pre>x`, "\xff<p>\xfe"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, page string) {
		text, err := pageText("text/html; charset=utf-8", []byte(page))
		if err != nil || !utf8.ValidString(text) {
			t.Fatalf("%q: %q, %v", page, text, err)
		}
		if len(text) > 4*len(page)+16 {
			t.Fatalf("%d bytes of text from %d bytes of page", len(text), len(page))
		}
	})
}
