package slack

import (
	"fmt"
	"strings"
)

// The adapter's own texts. TEMPORARY: these move to the shared catalogs in
// bots/i18n once that package lands; until then English only.

type textKey string

const (
	keyThinking          textKey = "thinking"
	keyNotInChannel      textKey = "not_in_channel"
	keyQuestionPosted    textKey = "question_posted"
	keyCommandFailed     textKey = "command_failed"
	keySuggestTitle      textKey = "suggest_title"
	keyAssistantGreeting textKey = "assistant_greeting"
	keyExplainCodeTitle  textKey = "explain_code_title"
)

var english = map[textKey]string{
	keyThinking:          "is thinking…",
	keyNotInChannel:      "I'm not a member of this channel, so I can't answer here. Invite me with `/invite @%s`, or ask me in a direct message.",
	keyQuestionPosted:    "%s asked: %s",
	keyCommandFailed:     "Sorry, something went wrong on Slack's side; please try again.",
	keySuggestTitle:      "Try asking:",
	keyAssistantGreeting: "Hi! Ask me anything: code, explanations, reviews or translations.",
	keyExplainCodeTitle:  "Explain code",
}

func tr(lang string, key textKey, args ...any) string {
	_ = lang
	s := english[key]
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func suggestedPrompts(lang string) [][2]string {
	_ = lang
	return [][2]string{
		{"Explain some code", "Explain what this code does:"},
		{"Review my code", "Review this code for bugs and style:"},
		{"Translate a text", "Translate into French:"},
	}
}

// languageOf maps a Slack locale ("fr-FR") to a catalog language.
func languageOf(locale string) string {
	l, _, _ := strings.Cut(strings.ToLower(locale), "-")
	if l == "" {
		return "en"
	}
	return l
}

var flags = map[string]string{"flag-fr": "fr", "fr": "fr", "flag-de": "de", "de": "de", "flag-it": "it",
	"it": "it", "flag-es": "es", "es": "es", "flag-gb": "en", "gb": "en", "uk": "en", "flag-us": "en", "us": "en"}

// flagLanguage returns the language of a flag reaction ("flag-fr" -> "fr").
func flagLanguage(reaction string) string { return flags[reaction] }
