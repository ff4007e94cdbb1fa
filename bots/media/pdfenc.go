package media

// Simple-font encodings (ISO 32000-1, Annex D), built once and only
// read after. A code mapped to 0 is dropped from the text.
var winAnsi, standard, macRoman = encodings()

func encodings() (winAnsi, standard, macRoman [256]rune) {
	// WinAnsiEncoding is Windows code page 1252: ASCII, Latin-1 from 0xA0,
	// and the cp1252 characters of 0x80-0x9F.
	for c := 0x20; c < 0x7F; c++ {
		winAnsi[c], standard[c], macRoman[c] = rune(c), rune(c), rune(c)
	}
	for _, c := range []int{'\t', '\n', '\r'} {
		winAnsi[c], standard[c], macRoman[c] = rune(c), rune(c), rune(c)
	}
	for c := 0xA0; c <= 0xFF; c++ {
		winAnsi[c] = rune(c)
	}
	for i, r := range []rune("€\x00‚ƒ„…†‡ˆ‰Š‹Œ\x00Ž\x00\x00‘’“”•–—˜™š›œ\x00žŸ") {
		winAnsi[0x80+i] = r
	}
	winAnsi[0xAD] = '-' // soft hyphen: shown as a hyphen in PDFs
	// StandardEncoding: curly quotes at 0x27 and 0x60, its own high half.
	standard['\''], standard['`'] = '’', '‘'
	for c, r := range map[int]rune{
		0xA1: '¡', 0xA2: '¢', 0xA3: '£', 0xA4: '⁄', 0xA5: '¥', 0xA6: 'ƒ', 0xA7: '§', 0xA8: '¤',
		0xA9: '\'', 0xAA: '“', 0xAB: '«', 0xAC: '‹', 0xAD: '›', 0xAE: 'ﬁ', 0xAF: 'ﬂ', 0xB1: '–',
		0xB2: '†', 0xB3: '‡', 0xB4: '·', 0xB6: '¶', 0xB7: '•', 0xB8: '‚', 0xB9: '„', 0xBA: '”',
		0xBB: '»', 0xBC: '…', 0xBD: '‰', 0xBF: '¿', 0xC1: '`', 0xC2: '´', 0xC3: 'ˆ', 0xC4: '˜',
		0xC5: '¯', 0xC6: '˘', 0xC7: '˙', 0xC8: '¨', 0xCA: '˚', 0xCB: '¸', 0xCD: '˝', 0xCE: '˛',
		0xCF: 'ˇ', 0xD0: '—', 0xE1: 'Æ', 0xE3: 'ª', 0xE8: 'Ł', 0xE9: 'Ø', 0xEA: 'Œ', 0xEB: 'º',
		0xF1: 'æ', 0xF5: 'ı', 0xF8: 'ł', 0xF9: 'ø', 0xFA: 'œ', 0xFB: 'ß',
	} {
		standard[c] = r
	}
	// MacRomanEncoding's high half is left out (dropped): rare in files
	// made this century, and a wrong guess is worse than a gap.
	return winAnsi, standard, macRoman
}

// glyphNames are the Adobe Glyph List names that Latin text in
// /Differences arrays uses most; single letters and uniXXXX are handled
// by glyphRune.
var glyphNames = map[string]rune{
	"space": ' ', "exclam": '!', "quotedbl": '"', "numbersign": '#', "dollar": '$', "percent": '%',
	"ampersand": '&', "quotesingle": '\'', "parenleft": '(', "parenright": ')', "asterisk": '*',
	"plus": '+', "comma": ',', "hyphen": '-', "period": '.', "slash": '/', "zero": '0', "one": '1',
	"two": '2', "three": '3', "four": '4', "five": '5', "six": '6', "seven": '7', "eight": '8',
	"nine": '9', "colon": ':', "semicolon": ';', "less": '<', "equal": '=', "greater": '>',
	"question": '?', "at": '@', "bracketleft": '[', "backslash": '\\', "bracketright": ']',
	"asciicircum": '^', "underscore": '_', "grave": '`', "braceleft": '{', "bar": '|',
	"braceright": '}', "asciitilde": '~', "quoteleft": '‘', "quoteright": '’',
	"quotedblleft": '“', "quotedblright": '”', "quotesinglbase": '‚', "quotedblbase": '„',
	"bullet": '•', "endash": '–', "emdash": '—', "ellipsis": '…', "fi": 'ﬁ', "fl": 'ﬂ',
	"ff": 'ﬀ', "ffi": 'ﬃ', "ffl": 'ﬄ', "minus": '−', "degree": '°', "copyright": '©',
	"registered": '®', "trademark": '™', "section": '§', "paragraph": '¶', "dagger": '†',
	"daggerdbl": '‡', "Euro": '€', "sterling": '£', "yen": '¥', "cent": '¢', "multiply": '×',
	"divide": '÷', "periodcentered": '·', "nbspace": ' ', "guillemotleft": '«',
	"guillemotright": '»', "dotlessi": 'ı', "germandbls": 'ß', "ae": 'æ', "AE": 'Æ', "oe": 'œ',
	"OE": 'Œ', "oslash": 'ø', "Oslash": 'Ø', "eacute": 'é', "egrave": 'è', "ecircumflex": 'ê',
	"edieresis": 'ë', "aacute": 'á', "agrave": 'à', "acircumflex": 'â', "adieresis": 'ä',
	"atilde": 'ã', "aring": 'å', "ccedilla": 'ç', "iacute": 'í', "igrave": 'ì', "icircumflex": 'î',
	"idieresis": 'ï', "ntilde": 'ñ', "oacute": 'ó', "ograve": 'ò', "ocircumflex": 'ô',
	"odieresis": 'ö', "otilde": 'õ', "uacute": 'ú', "ugrave": 'ù', "ucircumflex": 'û',
	"udieresis": 'ü', "yacute": 'ý', "ydieresis": 'ÿ', "Eacute": 'É', "Egrave": 'È',
	"Ecircumflex": 'Ê', "Edieresis": 'Ë', "Aacute": 'Á', "Agrave": 'À', "Acircumflex": 'Â',
	"Adieresis": 'Ä', "Atilde": 'Ã', "Aring": 'Å', "Ccedilla": 'Ç', "Iacute": 'Í', "Igrave": 'Ì',
	"Icircumflex": 'Î', "Idieresis": 'Ï', "Ntilde": 'Ñ', "Oacute": 'Ó', "Ograve": 'Ò',
	"Ocircumflex": 'Ô', "Odieresis": 'Ö', "Otilde": 'Õ', "Uacute": 'Ú', "Ugrave": 'Ù',
	"Ucircumflex": 'Û', "Udieresis": 'Ü', "Yacute": 'Ý', "Ydieresis": 'Ÿ', "scaron": 'š',
	"Scaron": 'Š', "zcaron": 'ž', "Zcaron": 'Ž', "florin": 'ƒ', "exclamdown": '¡',
	"questiondown": '¿',
}
