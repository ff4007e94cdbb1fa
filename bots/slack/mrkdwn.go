package slack

import (
	"regexp"
	"strings"
)

// Mrkdwn converts the model's standard Markdown to Slack mrkdwn for the
// text field of chat.postMessage and chat.update:
//
//   - **bold** and __bold__ become *bold*; *italic* and _italic_ become
//     _italic_; ~~strike~~ becomes ~strike~;
//   - [label](url) and ![alt](url) become <url|label>; <https://..>
//     autolinks stay links;
//   - headings become a bold line, lists get "•" bullets (numbers kept),
//     horizontal rules a line of box-drawing characters;
//   - code fences lose their language tag (mrkdwn has none), inline code is
//     kept, tables become a code block with aligned columns.
//
// Everything else is text, and in text, inline code and code blocks alike
// the three characters Slack reserves are escaped (& as &amp;, < as &lt;,
// > as &gt;). Slack decodes those three entities for display everywhere,
// code included, so escaping changes nothing a reader sees, and it means
// the model can never produce <!channel>, <!here>, <!everyone>, <@U123> or
// <!subteam^S1>: the only "<" in the output open links this function
// wrote itself.
func Mrkdwn(md string) string {
	md = strings.ToValidUTF8(md, "\uFFFD")
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if fence, lang := openFence(line); fence != "" {
			_ = lang // mrkdwn code blocks have no language tag
			var body []string
			j := i + 1
			for ; j < len(lines) && !closesFence(lines[j], fence); j++ {
				body = append(body, escapeText(lines[j]))
			}
			out = append(out, "```")
			out = append(out, body...)
			out = append(out, "```")
			i = j // the closing fence (or past the end when unclosed)
			continue
		}
		if i+1 < len(lines) && strings.Contains(line, "|") && tableSepRe.MatchString(lines[i+1]) {
			j := i + 2
			for j < len(lines) && strings.Contains(lines[j], "|") && strings.TrimSpace(lines[j]) != "" {
				j++
			}
			out = append(out, renderTable(lines[i], lines[i+2:j])...)
			i = j - 1
			continue
		}
		if i+1 < len(lines) && setextRe.MatchString(lines[i+1]) && isParagraphLine(line) {
			out = append(out, boldLine(line))
			i++
			continue
		}
		out = append(out, blockLine(line))
	}
	return strings.Join(out, "\n")
}

var (
	fenceRe    = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})\\s*([^`\\s]*)[^`]*$")
	tableSepRe = regexp.MustCompile(`^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$`)
	setextRe   = regexp.MustCompile(`^ {0,3}(=+|-{2,})\s*$`)
	headingRe  = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$`)
	hrRe       = regexp.MustCompile(`^ {0,3}([-*_])(\s*[-*_]){2,}\s*$`)
	bulletRe   = regexp.MustCompile(`^(\s*)[-*+]\s+(.*)$`)
	orderedRe  = regexp.MustCompile(`^(\s*)(\d{1,9})[.)]\s+(.*)$`)
	quoteRe    = regexp.MustCompile(`^ {0,3}>\s?(.*)$`)
	taskRe     = regexp.MustCompile(`^\[([ xX])\]\s+(.*)$`)
)

// openFence returns the fence string of a fence-opening line ("```",
// "~~~~") and its language tag, or "" when line opens no fence.
func openFence(line string) (fence, lang string) {
	if m := fenceRe.FindStringSubmatch(line); m != nil {
		return m[1], m[2]
	}
	return "", ""
}

// closesFence reports whether line closes a block opened with fence.
func closesFence(line, fence string) bool {
	t := strings.TrimSpace(line)
	if len(line)-len(strings.TrimLeft(line, " ")) > 3 || len(t) < len(fence) {
		return false
	}
	return strings.Trim(t, fence[:1]) == ""
}

func isParagraphLine(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && !headingRe.MatchString(line) && !bulletRe.MatchString(line) &&
		!orderedRe.MatchString(line) && !quoteRe.MatchString(line) && !hrRe.MatchString(line)
}

// blockLine converts one line outside code blocks and tables.
func blockLine(line string) string {
	if m := headingRe.FindStringSubmatch(line); m != nil {
		return boldLine(m[2])
	}
	if hrRe.MatchString(line) {
		return "──────────"
	}
	if m := bulletRe.FindStringSubmatch(line); m != nil {
		item := m[2]
		mark := "•"
		if t := taskRe.FindStringSubmatch(item); t != nil {
			mark, item = "☐", t[2]
			if t[1] != " " {
				mark = "☑"
			}
		}
		return m[1] + mark + " " + inline(item)
	}
	if m := orderedRe.FindStringSubmatch(line); m != nil {
		return m[1] + m[2] + ". " + inline(m[3])
	}
	if m := quoteRe.FindStringSubmatch(line); m != nil {
		// A quote marker is a bare ">" at the start of a line in mrkdwn;
		// it cannot form a mention, so it stays unescaped.
		return ">" + " " + inline(m[1])
	}
	return inline(line)
}

// boldLine renders text as one bold line (mrkdwn has no headings). Bold
// markers inside are dropped: mrkdwn does not nest bold in bold.
func boldLine(text string) string {
	text = strings.TrimSpace(text)
	text = strings.NewReplacer("**", "", "__", "").Replace(text)
	if text == "" {
		return ""
	}
	return "*" + inline(text) + "*"
}

// renderTable renders a Markdown table as a code block with aligned
// columns; mrkdwn has no tables and a monospace grid reads best.
func renderTable(header string, rows []string) []string {
	all := [][]string{tableCells(header)}
	for _, r := range rows {
		all = append(all, tableCells(r))
	}
	var widths []int
	for _, r := range all {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, w := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(c)
			if i < len(widths)-1 {
				b.WriteString(strings.Repeat(" ", w-len([]rune(c))))
			}
		}
		return escapeText(strings.TrimRight(b.String(), " "))
	}
	out := []string{"```", line(all[0])}
	var sep []string
	for _, w := range widths {
		sep = append(sep, strings.Repeat("-", max(w, 1)))
	}
	out = append(out, strings.Join(sep, "-+-"))
	for _, r := range all[1:] {
		out = append(out, line(r))
	}
	return append(out, "```")
}

// tableCells splits a table row into trimmed cells, dropping Markdown
// emphasis and inline-code markers that would show literally in code.
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	row = strings.TrimSuffix(row, "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			cur.WriteByte('|')
			i++
		case row[i] == '|':
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	cells = append(cells, cur.String())
	clean := strings.NewReplacer("**", "", "__", "", "`", "", "<br>", " ", "<br/>", " ", "<br />", " ")
	for i, c := range cells {
		cells[i] = strings.TrimSpace(clean.Replace(c))
	}
	return cells
}

// escapeText escapes Slack's three reserved characters.
func escapeText(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return textEscaper.Replace(s)
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
