package fetch

import (
	"bytes"
	"html"
	"strings"
)

// skipped are elements whose content is no text for a reader.
var skipped = map[string]bool{"script": true, "style": true, "noscript": true, "template": true,
	"svg": true, "iframe": true, "object": true, "canvas": true}

// blocks are elements that start a new line.
var blocks = map[string]bool{"p": true, "div": true, "br": true, "li": true, "tr": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "section": true, "article": true, "header": true, "footer": true,
	"pre": true, "blockquote": true, "table": true, "ul": true, "ol": true, "hr": true, "dd": true, "dt": true,
	"nav": true, "main": true, "aside": true, "form": true, "figure": true, "figcaption": true, "title": true}

// extractText returns the title and the readable text of an HTML page:
// tags dropped, script/style and similar content skipped, entities
// decoded, white space collapsed (kept inside pre), a line break at each
// block element. golang.org/x/net/html is not a dependency of the module;
// this scanner is deliberately forgiving: malformed markup gives some
// text, never an error or a loop (every step advances).
func extractText(src []byte) (title, text string) {
	var out, raw strings.Builder
	var titleB strings.Builder
	inTitle, pre := false, 0
	flush := func() {
		s := html.UnescapeString(raw.String())
		raw.Reset()
		if inTitle {
			titleB.WriteString(s)
			return
		}
		if pre > 0 {
			out.WriteString(s)
			return
		}
		writeCollapsed(&out, s)
	}
	for i := 0; i < len(src); {
		if src[i] != '<' {
			j := bytes.IndexByte(src[i:], '<')
			if j < 0 {
				j = len(src) - i
			}
			raw.Write(src[i : i+j])
			i += j
			continue
		}
		rest := src[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				i = len(src)
			} else {
				i += 4 + end + 3
			}
			continue
		case len(rest) > 1 && (rest[1] == '!' || rest[1] == '?'):
			i += tagEnd(rest)
			continue
		}
		name, closing, ok := tagName(rest)
		if !ok { // a lone "<" is text
			raw.WriteByte('<')
			i++
			continue
		}
		flush()
		i += tagEnd(rest)
		switch {
		case skipped[name] && !closing:
			i += skipTo(src[i:], name)
		case name == "title":
			inTitle = !closing
		case name == "pre":
			if closing {
				pre = max(0, pre-1)
			} else {
				pre++
			}
		}
		if blocks[name] {
			newline(&out)
			if name == "li" && !closing {
				out.WriteString("- ")
			}
		} else if (name == "td" || name == "th") && out.Len() > 0 && !endsWith(&out, ' ') && !endsWith(&out, '\n') {
			out.WriteString(" ")
		}
	}
	flush()
	return strings.Join(strings.Fields(titleB.String()), " "), tidy(out.String())
}

// tagName reads the name after "<" or "</", lower-cased.
func tagName(s []byte) (string, bool, bool) {
	i, closing := 1, false
	if i < len(s) && s[i] == '/' {
		closing, i = true, 2
	}
	start := i
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > start && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	if i == start {
		return "", false, false
	}
	return strings.ToLower(string(s[start:i])), closing, true
}

// tagEnd is the length of the tag at the start of s, up to its ">" outside
// quoted attribute values (all of s when there is none).
func tagEnd(s []byte) int {
	var quote byte
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return len(s)
}

// skipTo is the length of s up to and including "</name...>", all of s
// when the element is never closed. The match folds ASCII case only:
// bytes.ToLower would change lengths (invalid UTF-8 becomes a 3-byte
// U+FFFD, the Kelvin sign a 1-byte "k"), so an index into a lowered copy
// is not an index into s (the fuzzer found "[16:14]").
func skipTo(s []byte, name string) int {
	for off := 0; ; {
		j := bytes.Index(s[off:], []byte("</"))
		if j < 0 {
			return len(s)
		}
		end := off + j
		if rest := s[end+2:]; len(rest) >= len(name) && asciiEqualFold(rest[:len(name)], name) {
			return end + tagEnd(s[end:])
		}
		off = end + 2
	}
}

// asciiEqualFold reports whether b equals the lower-case ASCII name,
// ignoring ASCII case.
func asciiEqualFold(b []byte, name string) bool {
	for i := range len(name) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

func writeCollapsed(b *strings.Builder, s string) {
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0' {
			space = true
			continue
		}
		if space && b.Len() > 0 && !endsWith(b, '\n') && !endsWith(b, ' ') {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	if space && b.Len() > 0 && !endsWith(b, '\n') && !endsWith(b, ' ') {
		b.WriteByte(' ')
	}
}

func endsWith(b *strings.Builder, c byte) bool {
	s := b.String()
	return len(s) > 0 && s[len(s)-1] == c
}

func newline(b *strings.Builder) {
	if b.Len() > 0 && !endsWith(b, '\n') {
		b.WriteByte('\n')
	}
}

// tidy trims the end of each line and keeps at most one empty line in a row.
func tidy(s string) string {
	var out []string
	blank := 0
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			blank++
			if blank > 1 || len(out) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, line)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n")
}
