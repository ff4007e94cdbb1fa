package discord

import "strings"

// zwsp is the zero-width space put after the "@" of @everyone and @here.
const zwsp = "\u200b"

// pingWords are the mass mentions Discord parses from plain text.
var pingWords = strings.NewReplacer("@everyone", "@"+zwsp+"everyone", "@here", "@"+zwsp+"here")

// neutralize makes @everyone and @here in model text inert: a zero-width
// space after the "@" keeps them readable but no longer a mention. It is
// the second defence after allowed_mentions {"parse": []} on every call,
// for a server or proxy that ignores allowed_mentions. User and role
// mentions (<@id>, <@&id>) are left: allowed_mentions stops their pings,
// and they render as names, which answers about people need.
func neutralize(md string) string {
	if !strings.Contains(md, "@") {
		return md
	}
	return pingWords.Replace(md)
}
