package commands

import (
	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// help renders the help text with the platform's command prefix.
func (c *Commands) help(lang string, cmd bots.Command) string {
	return i18n.T(lang, i18n.Help, c.prefix(cmd))
}

func (c *Commands) prefix(cmd bots.Command) string {
	if p, ok := cmd.Options["prefix"]; ok {
		return p
	}
	return c.opts.Prefix
}
