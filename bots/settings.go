package bots

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
	// Digest is the channel's digest schedule as written ("daily 09:00
	// Europe/Paris"); "" or "off" = none.
	Digest string
}

// Fixed reports whether the channel has a fixed language.
func (s Settings) Fixed() bool { return s.Language != "" && s.Language != LanguageAuto }
