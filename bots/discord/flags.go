package discord

// countryLanguage maps ISO 3166 country codes of flag emojis to the
// language a translation request most likely means.
var countryLanguage = map[string]string{
	"FR": "fr", "BE": "fr", "CH": "de", "DE": "de", "AT": "de", "IT": "it", "ES": "es", "MX": "es", "AR": "es",
	"CO": "es", "CL": "es", "PE": "es", "GB": "en", "US": "en", "AU": "en", "CA": "en", "NZ": "en", "IE": "en",
	"PT": "pt", "BR": "pt", "NL": "nl", "PL": "pl", "SE": "sv", "NO": "no", "DK": "da", "FI": "fi", "CZ": "cs",
	"SK": "sk", "HU": "hu", "RO": "ro", "BG": "bg", "GR": "el", "TR": "tr", "RU": "ru", "UA": "uk", "JP": "ja",
	"CN": "zh", "TW": "zh", "HK": "zh", "KR": "ko", "IN": "hi", "SA": "ar", "EG": "ar", "AE": "ar", "IL": "he",
	"VN": "vi", "TH": "th", "ID": "id", "MY": "ms", "PH": "tl", "HR": "hr", "RS": "sr", "SI": "sl", "EE": "et",
	"LV": "lv", "LT": "lt", "IR": "fa", "PK": "ur", "BD": "bn", "KE": "sw",
}

// flagLanguage returns the language code a flag emoji stands for ("🇫🇷" ->
// "fr"), or "" for any other emoji.
func flagLanguage(emoji string) string {
	r := []rune(emoji)
	if len(r) != 2 {
		return ""
	}
	const a, z = 0x1F1E6, 0x1F1FF
	if r[0] < a || r[0] > z || r[1] < a || r[1] > z {
		return ""
	}
	return countryLanguage[string([]rune{'A' + r[0] - a, 'A' + r[1] - a})]
}
