package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"mistralbot/bots"
)

// Settings returns the effective settings of a channel id ("slack:C1"). It
// is served from a short-lived cache (Options.SettingsTTL), so a
// change made on another replica shows within that delay. A store error is
// logged and the config and defaults apply: answering with default
// settings beats not answering.
func (e *Engine) Settings(ctx context.Context, channelID string) bots.Settings {
	if s, ok := e.settings.Get(channelID); ok {
		return s
	}
	stored, err := e.stores.settings.Settings(ctx, channelID)
	if err != nil {
		e.log.WarnContext(ctx, "settings lookup failed; using config and defaults",
			"channel", channelID, "err", err)
		stored = bots.ChannelSettings{}
	}
	s := e.resolve(channelID, stored)
	e.settings.Put(channelID, s)
	return s
}

// resolve layers stored over config over defaults.
func (e *Engine) resolve(channelID string, stored bots.ChannelSettings) bots.Settings {
	d := e.opts.Defaults
	s := bots.Settings{Channel: channelID, Language: d.Language, SystemPrompt: d.SystemPrompt, Model: d.Model, Enabled: true}
	if s.Language == "" {
		s.Language = bots.LanguageAuto
	}
	merged := e.opts.Channels[channelID].Merge(stored)
	if merged.Language != nil {
		if l := *merged.Language; l == "" {
			s.Language = bots.LanguageAuto
		} else {
			s.Language = l
		}
	}
	if merged.SystemPrompt != nil && *merged.SystemPrompt != "" {
		s.SystemPrompt = *merged.SystemPrompt
		s.ChannelPrompt = true
	}
	if merged.Model != nil && *merged.Model != "" {
		s.Model = *merged.Model
	}
	if merged.Enabled != nil {
		s.Enabled = *merged.Enabled
	}
	if merged.Digest != nil {
		s.Digest = *merged.Digest
	}
	return s
}

// updateSettings writes channel overrides to the store and drops the
// cached resolution so this replica sees the change at once.
// UpdateSettings merges cs over the channel's stored settings, the path
// /lang and /prompt take: the console's /model sets Model with it.
func (e *Engine) UpdateSettings(ctx context.Context, channelID string, cs bots.ChannelSettings) error {
	return e.updateSettings(ctx, channelID, cs)
}

func (e *Engine) updateSettings(ctx context.Context, channelID string, cs bots.ChannelSettings) error {
	defer e.settings.Remove(channelID)
	if err := e.stores.settings.UpdateSettings(ctx, channelID, cs); err != nil {
		return fmt.Errorf("engine: update settings of %s: %w", channelID, err)
	}
	return nil
}

// allowed checks bot.allowed_channels and bot.allowed_users. A thread is
// allowed when its parent channel is; a DM is a channel like any other (an
// operator who restricts the bot to some channels does not expect it to
// answer everyone in private). The console, run by the operator on the
// host, is exempt. It returns "" or the reason: "channel" or "user".
func (e *Engine) allowed(msg bots.Message) string {
	if msg.Key.Platform == bots.Console {
		return ""
	}
	if len(e.opts.AllowedChannels) > 0 {
		if !slices.Contains(e.opts.AllowedChannels, msg.SettingsID()) &&
			!slices.Contains(e.opts.AllowedChannels, bots.ChannelID(msg.Key.Platform, msg.Key.Channel)) {
			return "channel"
		}
	}
	if len(e.opts.AllowedUsers) > 0 && !slices.Contains(e.opts.AllowedUsers, bots.UserID(msg.Key.Platform, msg.UserID)) {
		return "user"
	}
	return ""
}

// normalizeIDs trims the entries of an id list.
func normalizeIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}
