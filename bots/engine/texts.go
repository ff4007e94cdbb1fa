package engine

import (
	"fmt"

	"mistralbot/bots/i18n"
)

// tr renders one of the bot's own texts in the catalog closest to lang.
func (e *Engine) tr(lang string, key i18n.Key, args ...any) string {
	return i18n.T(lang, key, args...)
}

// matchCatalog maps a language or locale to the closest catalog language.
func matchCatalog(code string) string { return i18n.Match(code) }

// normalizeLanguage maps what a user or the config gives as a language
// ("fr", "French", "français", "pt-BR", "auto") to its code.
func normalizeLanguage(code string) (string, bool) { return i18n.Normalize(code) }

// configLanguage normalizes a configured language setting ("" stays "",
// meaning auto); key names the setting in the error.
func configLanguage(key, code string) (string, error) {
	if code == "" {
		return "", nil
	}
	n, ok := normalizeLanguage(code)
	if !ok {
		return code, fmt.Errorf("engine: %s: unknown language %q", key, code)
	}
	return n, nil
}
