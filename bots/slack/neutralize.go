package slack

import (
	"regexp"
	"strings"
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
