package i18n

import (
	"slices"
	"testing"
)

// FuzzNormalize: user input never panics, and a normalized code is a
// fixed point that Name can display.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"fr", "français", "pt-BR", "auto", "garbage", "日本語", "x-private", "de-u-co-phonebk", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		code, ok := Normalize(in)
		if !ok {
			return
		}
		if again, ok := Normalize(code); !ok || again != code {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q, %v", in, code, code, again, ok)
		}
		if code != Auto && Name(code, "en") == "" {
			t.Fatalf("Name(%q) is empty", code)
		}
		if !slices.Contains(Supported(), Match(code)) {
			t.Fatalf("Match(%q) is not a catalog", code)
		}
	})
}

// FuzzFlagLanguage: reaction names from the platforms never panic and any
// language found is a valid code.
func FuzzFlagLanguage(f *testing.F) {
	for _, s := range []string{"flag-fr", "🇫🇷", "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "uk", "🇫", ":x:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lang, ok := FlagLanguage(in)
		if !ok {
			return
		}
		if got, ok := Normalize(lang); !ok || got != lang {
			t.Fatalf("FlagLanguage(%q) = %q, not a normalized code", in, lang)
		}
	})
}

func BenchmarkT(b *testing.B) {
	for b.Loop() {
		_ = T("fr-CA", LimitUserRate, 10, "14:05 UTC")
	}
}

func BenchmarkNormalizeByName(b *testing.B) {
	for b.Loop() {
		_, _ = Normalize("klingonish")
	}
}
