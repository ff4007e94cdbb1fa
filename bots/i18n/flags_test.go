package i18n

import "testing"

func TestFlagLanguage(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		// Slack reaction names.
		"flag-fr": "fr", "fr": "fr", ":fr:": "fr", "flag-de": "de", "de": "de", "flag-it": "it", "it": "it",
		"flag-es": "es", "es": "es", "flag-gb": "en", "gb": "en", "uk": "en", "flag-us": "en", "us": "en",
		"flag-pt": "pt", "flag-br": "pt", "flag-jp": "ja", "jp": "ja", "flag-nl": "nl", "flag-mx": "es",
		"flag-at": "de", "flag-ua": "uk", "cn": "zh", "kr": "ko", "ru": "ru", "flag-england": "en",
		"flag-scotland": "en", "flag-wales": "cy", "FLAG-FR": "fr",
		// Unicode flags, as Discord sends them.
		"🇫🇷": "fr", "🇩🇪": "de", "🇮🇹": "it", "🇪🇸": "es", "🇬🇧": "en", "🇺🇸": "en",
		"🇵🇹": "pt", "🇧🇷": "pt", "🇯🇵": "ja", "🇳🇱": "nl", "🇵🇱": "pl", "🇦🇹": "de", "🇲🇽": "es",
		"🇫🇷\ufe0f": "fr",
		"\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F": "en", // England
		"\U0001F3F4\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F": "cy", // Wales
	}
	for in, want := range tests {
		if got, ok := FlagLanguage(in); !ok || got != want {
			t.Errorf("FlagLanguage(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{
		"", "thumbsup", "id", "ok", "cl", "flag-", "flag-xx", "flag-zz", "flag-eu", "flag-un", "flag-aq",
		"🇨🇦", "🇨🇭", "🇧🇪", "🇪🇺", "🇺🇳", "👍", "🇫", "🇫🇷🇩🇪", "🇫🇷x", "🏴", "\U0001F3F4\U000E007F",
		"\U0001F3F4\U000E0078\U000E0078\U000E007F", "flag-ca", "ca", "pt",
	} {
		if got, ok := FlagLanguage(bad); ok {
			t.Errorf("FlagLanguage(%q) = %q, true; want false", bad, got)
		}
	}
}
