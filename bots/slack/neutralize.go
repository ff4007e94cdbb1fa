package slack

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// neutralizeMarkdown prepares model Markdown for markdown_text
// (chat.startStream/appendStream/stopStream). That field takes standard
// Markdown, which Slack renders itself (headings, tables, fence languages
// survive), so the text is not converted to mrkdwn. It cannot be
// entity-escaped either: in Markdown code spans and blocks "&lt;" shows
// literally. Whether Slack still parses its own <!channel>-style tokens
// inside markdown_text is not documented, so every "<" that could open one
// (<!channel>, <!here>, <!everyone>, <!subteam^..>, <!date^..>, <@U..>,
// <#C..>) gets a zero-width space after it: the reader sees the same
// characters, and no token can form. Other "<" (HTML, generics, <!DOCTYPE>
// in code) are left alone.
func neutralizeMarkdown(md string) string {
	md = strings.ToValidUTF8(md, "\uFFFD")
	if !strings.Contains(md, "<") {
		return md
	}
	return tokenStartRe.ReplaceAllStringFunc(md, func(m string) string {
		return "<" + zwsp + m[1:]
	})
}

const zwsp = "\u200b"

var tokenStartRe = regexp.MustCompile(`<(?:!(?i:channel|here|everyone|subteam|date|group|usergroup|mention)|@[A-Za-z0-9]|#[A-Za-z0-9])`)

// stablePrefix returns how much of neutralized text can be appended to a
// stream now: everything but a trailing "<" that more text could still turn
// into a token (held back until the text grows or ends).
func stablePrefix(text string) int {
	i := strings.LastIndex(text, "<")
	if i < 0 || len(text)-i > 16 || strings.ContainsAny(text[i:], " \n>") {
		return len(text)
	}
	return i
}

// runeLen counts runes: Slack's limits are in characters.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// fitMarkdown returns the largest end e <= end such that text[from:e],
// neutralized, holds at most budget characters: end itself when it fits,
// else a cut at a line end or a space (in the second half), never just
// after a "<" that could start a token.
func fitMarkdown(text string, from, end, budget int) int {
	if budget <= 0 || from >= end {
		return from
	}
	if runeLen(neutralizeMarkdown(text[from:end])) <= budget {
		return end
	}
	// Count "<" twice: neutralizing may add a zero-width space after it.
	n, cut := 0, from
	for i := from; i < end; {
		r, size := utf8.DecodeRuneInString(text[i:])
		w := 1
		if r == '<' {
			w = 2
		}
		if n+w > budget {
			break
		}
		n, i = n+w, i+size
		cut = i
	}
	span := text[from:cut]
	if k := strings.LastIndex(span, "\n"); k >= 0 && k+1 >= len(span)/2 {
		cut = from + k + 1
	} else if k := strings.LastIndex(span, " "); k >= 0 && k+1 >= len(span)/2 {
		cut = from + k + 1
	}
	return from + stablePrefix(text[from:cut])
}

// fenceAt returns the opening line of the code fence open at offset end of
// text ("```go"), or "" outside code.
func fenceAt(text string, end int) string {
	open, line := "", ""
	for _, l := range strings.Split(text[:end], "\n") {
		if open != "" {
			if closesFence(l, open) {
				open, line = "", ""
			}
			continue
		}
		if f, _ := openFence(l); f != "" {
			open, line = f, strings.TrimSpace(l)
		}
	}
	return line
}

// fenceCloser returns the fence that closes the one opened by line.
func fenceCloser(line string) string {
	line = strings.TrimSpace(line)
	c := line[:1]
	n := len(line) - len(strings.TrimLeft(line, c))
	return strings.Repeat(c, n)
}
