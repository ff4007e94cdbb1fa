package bots

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// LanguageAuto is the language setting meaning "answer in the asker's
// language".
const LanguageAuto = "auto"

// Settings are the effective settings of one channel after resolution:
// stored value (set from the chat) > channels.<id> in config > bot.*
// defaults.
type Settings struct {
	// Channel is the settings channel id, "slack:C1".
	Channel string
	// Language is LanguageAuto or a normalized language code ("fr").
	Language     string
	SystemPrompt string
	// ChannelPrompt is true when SystemPrompt comes from the channel (store
	// or config) rather than the bot-wide default.
	ChannelPrompt bool
	// Model is the model id; "" means the LLM client's default.
	Model   string
	Enabled bool
}

// Fixed reports whether the channel has a fixed language.
func (s Settings) Fixed() bool { return s.Language != "" && s.Language != LanguageAuto }

// settingsID returns the settings channel id of a message: its
// SettingsChannel (a thread's parent), else its own channel.
func settingsID(msg Message) string {
	ch := msg.SettingsChannel
	if ch == "" {
		ch = msg.Key.Channel
	}
	return ChannelID(msg.Key.Platform, ch)
}

// Settings returns the effective settings of a channel id ("slack:C1"). It
// is served from a short-lived cache (EngineOptions.SettingsTTL), so a
// change made on another replica shows within that delay. A store error is
// logged and the config and defaults apply: answering with default
// settings beats not answering.
func (e *Engine) Settings(ctx context.Context, channelID string) Settings {
	if s, ok := e.settings.Get(channelID); ok {
		return s
	}
	stored, err := e.opts.Store.Settings(ctx, channelID)
	if err != nil {
		e.log.WarnContext(ctx, "settings lookup failed; using config and defaults",
			"channel", channelID, "err", err)
		stored = ChannelSettings{}
	}
	s := e.resolve(channelID, stored)
	e.settings.Put(channelID, s)
	return s
}

// resolve layers stored over config over defaults.
func (e *Engine) resolve(channelID string, stored ChannelSettings) Settings {
	d := e.opts.Defaults
	s := Settings{Channel: channelID, Language: d.Language, SystemPrompt: d.SystemPrompt, Model: d.Model, Enabled: true}
	if s.Language == "" {
		s.Language = LanguageAuto
	}
	merged := e.opts.Channels[channelID].Merge(stored)
	if merged.Language != nil {
		if l := *merged.Language; l == "" {
			s.Language = LanguageAuto
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
	return s
}

// updateSettings writes channel overrides to the store and drops the
// cached resolution so this replica sees the change at once.
func (e *Engine) updateSettings(ctx context.Context, channelID string, cs ChannelSettings) error {
	defer e.settings.Remove(channelID)
	if err := e.opts.Store.UpdateSettings(ctx, channelID, cs); err != nil {
		return fmt.Errorf("engine: update settings of %s: %w", channelID, err)
	}
	return nil
}

// isAdmin reports whether the asker may change channel settings: the
// platform says so (Discord Manage Channels, Slack admins and owners) or
// bot.admins lists them.
func (e *Engine) isAdmin(msg Message) bool {
	return msg.Admin || slices.Contains(e.opts.Admins, UserID(msg.Key.Platform, msg.UserID))
}

// allowed checks bot.allowed_channels and bot.allowed_users. A thread is
// allowed when its parent channel is; a DM is a channel like any other (an
// operator who restricts the bot to some channels does not expect it to
// answer everyone in private). The console, run by the operator on the
// host, is exempt. It returns "" or the reason: "channel" or "user".
func (e *Engine) allowed(msg Message) string {
	if msg.Key.Platform == Console {
		return ""
	}
	if len(e.opts.AllowedChannels) > 0 {
		if !slices.Contains(e.opts.AllowedChannels, settingsID(msg)) &&
			!slices.Contains(e.opts.AllowedChannels, ChannelID(msg.Key.Platform, msg.Key.Channel)) {
			return "channel"
		}
	}
	if len(e.opts.AllowedUsers) > 0 && !slices.Contains(e.opts.AllowedUsers, UserID(msg.Key.Platform, msg.UserID)) {
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
