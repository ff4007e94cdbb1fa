package summary

import (
	"regexp"
	"strconv"
	"strings"
)

// citeRe finds a citation: square brackets holding only references, with
// the times the model sometimes copies from the input ("[m12]",
// "[m12, m40]", "[m12 10:02]"), not followed by "(" (already a link).
var citeRe = regexp.MustCompile(` ?\[\s*m\d+(?:\s+\d{1,2}:\d{2})?(?:\s*[,;]\s*m\d+(?:\s+\d{1,2}:\d{2})?)*\s*\]\(?`)

var refRe = regexp.MustCompile(`m(\d+)`)

// LinkLabel is the text of a link to a cited message.
const LinkLabel = "↗"

// Link replaces the summary's citations with Markdown links to the cited
// messages ("[↗](https://…)"); a reference the span does not hold, or a
// message without a link, is dropped, so a hallucinated reference never
// reaches the reader as a fake link.
func Link(text string, msgs []Message) string {
	out := citeRe.ReplaceAllStringFunc(text, func(c string) string {
		lead := ""
		if strings.HasPrefix(c, " ") {
			lead = " "
		}
		if strings.HasSuffix(c, "(") {
			return c // "[m1](…)": the model wrote a link itself; leave it
		}
		var links []string
		seen := map[int]bool{}
		for _, m := range refRe.FindAllStringSubmatch(c, -1) {
			n, err := strconv.Atoi(m[1])
			if err != nil || n < 1 || n > len(msgs) || seen[n] || msgs[n-1].Link == "" {
				continue
			}
			seen[n] = true
			links = append(links, "["+LinkLabel+"]("+msgs[n-1].Link+")")
		}
		if len(links) == 0 {
			return "" // with the space before it: "point [m99]." -> "point."
		}
		return lead + strings.Join(links, " ")
	})
	return out
}
