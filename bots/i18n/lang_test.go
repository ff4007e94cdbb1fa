package i18n

import (
	"slices"
	"testing"
)

func TestSupported(t *testing.T) {
	t.Parallel()
	if got := Supported(); !slices.Equal(got, []string{"en", "fr", "de", "it", "es"}) {
		t.Errorf("Supported() = %v", got)
	}
	s := Supported()
	s[0] = "xx"
	if Supported()[0] != "en" {
		t.Error("Supported() shares its slice")
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefs []string
		want  string
	}{
		{nil, "en"},
		{[]string{""}, "en"},
		{[]string{"auto"}, "en"},
		{[]string{"fr"}, "fr"},
		{[]string{"fr-CA"}, "fr"},
		{[]string{"FR-fr"}, "fr"},
		{[]string{"de-AT"}, "de"},
		{[]string{"de-CH"}, "de"},
		{[]string{"gsw"}, "de"},
		{[]string{"it-CH"}, "it"},
		{[]string{"es-419"}, "es"},
		{[]string{"es-MX"}, "es"},
		{[]string{"en-GB"}, "en"},
		{[]string{"pt"}, "en"},
		{[]string{"pt-BR"}, "en"},
		{[]string{"ja"}, "en"},
		{[]string{"not a tag!"}, "en"},
		{[]string{"auto", "fr-BE"}, "fr"},
		{[]string{"", "it"}, "it"},
		{[]string{"pt", "es"}, "es"},
		{[]string{"de", "fr"}, "de"},
		{[]string{"garbage!!", "es"}, "es"},
	}
	for _, tt := range tests {
		if got := Match(tt.prefs...); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.prefs, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"fr": "fr", "FR": "fr", "fr-FR": "fr", "fr_CA": "fr", " fr ": "fr",
		"french": "fr", "French": "fr", "français": "fr", "Francais": "fr", "französisch": "fr", "francese": "fr", "francés": "fr",
		"de": "de", "deutsch": "de", "german": "de", "allemand": "de", "tedesco": "de", "alemán": "de",
		"it": "it", "italiano": "it", "italian": "it", "italien": "it", "italienisch": "it",
		"es": "es", "español": "es", "espanol": "es", "spanish": "es", "espagnol": "es", "spanisch": "es", "castellano": "es",
		"en": "en", "english": "en", "anglais": "en", "englisch": "en", "inglese": "en", "inglés": "en", "en-US": "en",
		"auto": "auto", "AUTO": "auto",
		"pt": "pt", "pt-BR": "pt", "portuguese": "pt", "português": "pt",
		"ja": "ja", "japanese": "ja", "japonais": "ja", "日本語": "ja",
		"nl": "nl", "dutch": "nl", "nederlands": "nl",
		"pl": "pl", "polski": "pl",
		"zh-Hant": "zh", "chinese": "zh",
		"iw":        "he",
		"ukrainian": "uk",
	}
	for in, want := range tests {
		if got, ok := Normalize(in); !ok || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "  ", "garbage", "xx", "zz", "und", "mul", "zxx", "qaa", "klingonish", "f", "fr-FR-!!", "english please", "auto-fr"} {
		if got, ok := Normalize(bad); ok {
			t.Errorf("Normalize(%q) = %q, true; want false", bad, got)
		}
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct{ code, in, want string }{
		{"fr", "de", "Französisch"},
		{"de", "fr", "allemand"},
		{"fr", "fr", "français"},
		{"it", "es", "italiano"},
		{"es", "it", "spagnolo"},
		{"en", "fr", "anglais"},
		{"pt", "de", "Portugiesisch"},
		{"ja", "en", "Japanese"},
		{"de", "auto", "German"},
		{"de", "", "German"},
		{"de", "fr-CA", "allemand"},
		{"nonsense!", "en", "nonsense!"},
	}
	for _, tt := range tests {
		if got := Name(tt.code, tt.in); got != tt.want {
			t.Errorf("Name(%q, %q) = %q, want %q", tt.code, tt.in, got, tt.want)
		}
	}
}

func TestEnglishName(t *testing.T) {
	for code, want := range map[string]string{"fr": "French", "de": "German", "ja": "Japanese", "pt-BR": "Brazilian Portuguese"} {
		if got := EnglishName(code); got != want {
			t.Errorf("EnglishName(%q) = %q, want %q", code, got, want)
		}
	}
}
